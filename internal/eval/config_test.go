package eval

func benchConfig() Config { return Config{} }
