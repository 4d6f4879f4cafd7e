# Unquoted URIs are strings.
let x = 1; in [
  http://example.org
  https://example.org/a/b?c=d&e=f#frag
  git+ssh://git@github.com:owner/repo.git
  mailto:someone@example.org
  x:x
  a:b
  urn:isbn:0451450523
  s3://bucket/key-with_!~*'.chars
  ftp://h.example/$dollar,comma
  (x: x)
]
