package audit

// OnStart tells a test the command's PID as soon as it starts.
func OnStart(c *Config, f func(pid int)) { c.started = f }
