print(#"héllo", ("héllo"):upper(), ("ÀB"):lower())
print(("abc") < ("abd"), ("abc"):rep(2) > "abcabb")
