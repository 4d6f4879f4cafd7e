./foo/
