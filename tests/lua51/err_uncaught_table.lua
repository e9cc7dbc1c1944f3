error({code = 2})
