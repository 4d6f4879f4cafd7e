package syntax

// slab hands out pointers to elements of chunked slices, so that a parse
// allocates its many small nodes in a few large blocks. After reset the
// chunks are handed out again (by a Parser reused for the next file).
type slab[T any] struct {
	chunks [][]T
	n      int // index of the chunk in use
	buf    []T // chunks[n], resliced
}

func (s *slab[T]) new(v T) *T {
	if len(s.buf) == cap(s.buf) {
		s.grow()
	}
	s.buf = append(s.buf, v)
	return &s.buf[len(s.buf)-1]
}

func (s *slab[T]) grow() {
	if len(s.chunks) > 0 && s.n+1 < len(s.chunks) {
		s.n++
		s.buf = s.chunks[s.n][:0]
		return
	}
	c := make([]T, 0, min(max(2*cap(s.buf), 4), 1024))
	s.chunks = append(s.chunks, c)
	s.n = len(s.chunks) - 1
	s.buf = c
}

// each calls f for every element handed out since the last reset.
func (s *slab[T]) each(f func(*T)) {
	for i := 0; i < s.n && i < len(s.chunks); i++ {
		c := s.chunks[i][:cap(s.chunks[i])]
		for j := range c {
			f(&c[j])
		}
	}
	for j := range s.buf {
		f(&s.buf[j])
	}
}

func (s *slab[T]) reset() {
	if len(s.chunks) > 0 {
		s.n = 0
		s.buf = s.chunks[0][:0]
	}
}

// pool hands out slices carved from shared blocks, reused after reset.
type pool[T any] struct {
	chunks [][]T
	n      int
	buf    []T
}

// alloc returns a slice of length n and capacity c carved from the pool.
// Its elements are not cleared: callers set the n elements.
func (p *pool[T]) alloc(n, c int) []T {
	if c == 0 {
		return nil
	}
	if cap(p.buf)-len(p.buf) < c {
		p.grow(c)
	}
	start := len(p.buf)
	p.buf = p.buf[:start+c]
	return p.buf[start : start+n : start+c]
}

func (p *pool[T]) grow(c int) {
	size := max(c, min(max(2*cap(p.buf), 8), 4096))
	if len(p.chunks) > 0 && p.n+1 < len(p.chunks) {
		p.n++
		if cap(p.chunks[p.n]) < c {
			p.chunks[p.n] = make([]T, 0, size)
		}
		p.buf = p.chunks[p.n][:0]
		return
	}
	b := make([]T, 0, size)
	p.chunks = append(p.chunks, b)
	p.n = len(p.chunks) - 1
	p.buf = b
}

// copy returns a copy of xs carved from the pool; nil when xs is empty.
func (p *pool[T]) copy(xs []T) []T {
	s := p.alloc(len(xs), len(xs))
	copy(s, xs)
	return s
}

func (p *pool[T]) reset() {
	if len(p.chunks) > 0 {
		p.n = 0
		p.buf = p.chunks[0][:0]
	}
}

// nodes is the parser's allocator of the most frequent nodes and slices.
type nodes struct {
	idents   slab[Ident]
	ints     slab[Int]
	texts    slab[Text]
	strs     slab[String]
	interps  slab[Interp]
	parens   slab[Paren]
	lists    slab[List]
	sets     slab[AttrSet]
	assigns  slab[Assign]
	paths    slab[AttrPath]
	names    slab[AttrName]
	selects  slab[Select]
	applies  slab[Apply]
	binaries slab[Binary]
	lambdas  slab[Lambda]

	exprs  pool[Expr]
	binds  pool[Binding]
	parts  pool[Part]
	nameps pool[*AttrName]
	tokps  pool[*Token]

	// Scratch stacks for slices being built; nested constructs push above
	// their parent's mark and pop before the parent goes on.
	exprStack []Expr
	bindStack []Binding
	partStack []Part
	nameStack []*AttrName
	tokStack  []*Token
}

func (n *nodes) reset() {
	n.idents.reset()
	n.ints.reset()
	n.texts.reset()
	n.strs.reset()
	n.interps.reset()
	n.parens.reset()
	n.lists.reset()
	n.sets.reset()
	n.assigns.reset()
	n.paths.reset()
	n.names.reset()
	n.selects.reset()
	n.applies.reset()
	n.binaries.reset()
	n.lambdas.reset()
	n.exprs.reset()
	n.binds.reset()
	n.parts.reset()
	n.nameps.reset()
	n.tokps.reset()
}
