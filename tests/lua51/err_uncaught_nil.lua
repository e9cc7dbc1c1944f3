--! stderr: (error object is not a string)
error()
