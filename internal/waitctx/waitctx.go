// Package waitctx gives tests a context that acts at the moment a store
// finds its lock held, so that what happens while a writer waits for the
// lock can be tested without timing.
package waitctx

import "context"

// Context runs Hook the first time its Done is asked for, which a store
// does only when it finds its lock held and must wait. Its Done is nil, so
// the store then waits as for a context that never ends. Ran reports
// whether Hook ran, that is whether the wait was reached.
type Context struct {
	context.Context
	Hook func()
	Ran  bool
}

// Done runs Hook once and returns nil.
func (c *Context) Done() <-chan struct{} {
	if !c.Ran {
		c.Ran = true
		c.Hook()
	}
	return nil
}
