package syntax

// Node is a node of the syntax tree. A node holds its tokens and child
// nodes; a token or child a broken input lacks is nil.
type Node interface {
	// eachChild calls f with the node's children in source order: a
	// token as (tok, nil), a node as (nil, node). Nil children are
	// skipped.
	eachChild(f func(*Token, Node))
}

// Expr is an expression node.
type Expr interface {
	Node
	exprNode()
}

// Binding is an element of an attribute set or let: *Assign, *Inherit or
// *Error.
type Binding interface {
	Node
	bindingNode()
}

// Part is a piece of a string or path: *Text or *Interp.
type Part interface {
	Node
	partNode()
}

type (
	// Ident is a variable reference. Its token is an identifier, or the
	// keyword 'or' in "f or" (the call of f with a variable named or,
	// kept by Nix for compatibility).
	Ident struct{ Tok *Token }

	// Int is an integer literal.
	Int struct {
		Tok   *Token
		Value int64
	}

	// Float is a floating-point literal.
	Float struct {
		Tok   *Token
		Value float64
	}

	// URI is an unquoted URI, a string to Nix.
	URI struct{ Tok *Token }

	// SearchPath is a <nixpkgs/lib> lookup.
	SearchPath struct{ Tok *Token }

	// Path is a path literal. Parts[0] is a *Text holding the TokPath or
	// TokHomePath token; further parts follow an interpolation. End is the
	// zero-width end of the path.
	Path struct {
		Parts []Part
		End   *Token
	}

	// String is a double-quoted ("...") or indented (''...'') string.
	String struct {
		Open  *Token // TokQuote or TokIndOpen
		Parts []Part
		Close *Token // TokQuote or TokIndClose
	}

	// Text is literal text in a string or path.
	Text struct{ Tok *Token }

	// Interp is an interpolation ${X}, in a string, a path or an
	// attribute name.
	Interp struct {
		Open  *Token
		X     Expr
		Close *Token
	}

	// Paren is a parenthesized expression.
	Paren struct {
		Open  *Token
		X     Expr
		Close *Token
	}

	// List is [ elems ].
	List struct {
		Open  *Token
		Elems []Expr
		Close *Token
	}

	// AttrSet is { binds } or rec { binds }.
	AttrSet struct {
		RecTok *Token // nil unless rec
		Open   *Token
		Binds  []Binding
		Close  *Token
	}

	// LegacyLet is let { binds }, the body attribute of a recursive set.
	LegacyLet struct {
		LetTok *Token
		Open   *Token
		Binds  []Binding
		Close  *Token
	}

	// Let is let binds in body.
	Let struct {
		LetTok *Token
		Binds  []Binding
		InTok  *Token
		Body   Expr
	}

	// Assign is a binding path = value;.
	Assign struct {
		Path  *AttrPath
		Eq    *Token
		Value Expr
		Semi  *Token
	}

	// Inherit is inherit names; or inherit (from) names;.
	Inherit struct {
		InheritTok *Token
		Open       *Token // nil without (from)
		From       Expr
		Close      *Token
		Names      []*AttrName
		Semi       *Token
	}

	// AttrPath is a dotted attribute path a.b."c".${d}.
	AttrPath struct {
		Names []*AttrName
		Dots  []*Token // Dots[i] follows Names[i]
	}

	// AttrName is one attribute name: exactly one of Ident (an identifier
	// or the keyword or), Str ("...") and Interp (${...}) is set.
	AttrName struct {
		Ident  *Token
		Str    *String
		Interp *Interp
	}

	// Select is X.path or X.path or Default.
	Select struct {
		X       Expr
		Dot     *Token
		Path    *AttrPath
		OrTok   *Token // nil without a default
		Default Expr
	}

	// HasAttr is X ? path.
	HasAttr struct {
		X        Expr
		Question *Token
		Path     *AttrPath
	}

	// Apply is the application of Fn to Arg.
	Apply struct {
		Fn  Expr
		Arg Expr
	}

	// Unary is !X or -X.
	Unary struct {
		Op *Token
		X  Expr
	}

	// Binary is X op Y, including the pipe operators.
	Binary struct {
		X  Expr
		Op *Token
		Y  Expr
	}

	// If is if Cond then Then else Else.
	If struct {
		IfTok   *Token
		Cond    Expr
		ThenTok *Token
		Then    Expr
		ElseTok *Token
		Else    Expr
	}

	// With is with Env; Body.
	With struct {
		WithTok *Token
		Env     Expr
		Semi    *Token
		Body    Expr
	}

	// Assert is assert Cond; Body.
	Assert struct {
		AssertTok *Token
		Cond      Expr
		Semi      *Token
		Body      Expr
	}

	// Lambda is a function: arg: body, { formals }: body, or either form
	// with an @ pattern (arg@{ ... } or { ... }@arg).
	Lambda struct {
		Arg     *Token // nil for { formals }: body
		At      *Token
		Formals *Formals // nil for arg: body
		Colon   *Token
		Body    Expr
	}

	// Formals is the { a, b ? default, ... } pattern of a function.
	Formals struct {
		Open     *Token
		Items    []*Formal
		Ellipsis *Token
		Close    *Token
	}

	// Formal is one named argument, with the comma after it if any.
	Formal struct {
		Name     *Token
		Question *Token
		Default  Expr
		Comma    *Token
	}

	// Error is a stretch of input the parser could not make sense of.
	Error struct {
		Elems []Elem
	}
)

// Elem is a token or a node.
type Elem struct {
	Tok  *Token
	Node Node
}

func (*Ident) exprNode()      {}
func (*Int) exprNode()        {}
func (*Float) exprNode()      {}
func (*URI) exprNode()        {}
func (*SearchPath) exprNode() {}
func (*Path) exprNode()       {}
func (*String) exprNode()     {}
func (*Paren) exprNode()      {}
func (*List) exprNode()       {}
func (*AttrSet) exprNode()    {}
func (*LegacyLet) exprNode()  {}
func (*Let) exprNode()        {}
func (*Select) exprNode()     {}
func (*HasAttr) exprNode()    {}
func (*Apply) exprNode()      {}
func (*Unary) exprNode()      {}
func (*Binary) exprNode()     {}
func (*If) exprNode()         {}
func (*With) exprNode()       {}
func (*Assert) exprNode()     {}
func (*Lambda) exprNode()     {}
func (*Error) exprNode()      {}

func (*Assign) bindingNode()  {}
func (*Inherit) bindingNode() {}
func (*Error) bindingNode()   {}

func (*Text) partNode()   {}
func (*Interp) partNode() {}

// visit helpers: call f for non-nil tokens and nodes.
func tok(f func(*Token, Node), t *Token) {
	if t != nil {
		f(t, nil)
	}
}

func node(f func(*Token, Node), n Node) {
	if n != nil && !isNilNode(n) {
		f(nil, n)
	}
}

// isNilNode reports whether n is a typed nil pointer.
func isNilNode(n Node) bool {
	switch n := n.(type) {
	case *AttrPath:
		return n == nil
	case *Formals:
		return n == nil
	case *AttrName:
		return n == nil
	case *String:
		return n == nil
	case *Interp:
		return n == nil
	case *Error:
		return n == nil
	}
	return false
}

func (n *Ident) eachChild(f func(*Token, Node))      { tok(f, n.Tok) }
func (n *Int) eachChild(f func(*Token, Node))        { tok(f, n.Tok) }
func (n *Float) eachChild(f func(*Token, Node))      { tok(f, n.Tok) }
func (n *URI) eachChild(f func(*Token, Node))        { tok(f, n.Tok) }
func (n *SearchPath) eachChild(f func(*Token, Node)) { tok(f, n.Tok) }
func (n *Text) eachChild(f func(*Token, Node))       { tok(f, n.Tok) }

func (n *Path) eachChild(f func(*Token, Node)) {
	for _, p := range n.Parts {
		node(f, p)
	}
	tok(f, n.End)
}

func (n *String) eachChild(f func(*Token, Node)) {
	tok(f, n.Open)
	for _, p := range n.Parts {
		node(f, p)
	}
	tok(f, n.Close)
}

func (n *Interp) eachChild(f func(*Token, Node)) {
	tok(f, n.Open)
	node(f, n.X)
	tok(f, n.Close)
}

func (n *Paren) eachChild(f func(*Token, Node)) {
	tok(f, n.Open)
	node(f, n.X)
	tok(f, n.Close)
}

func (n *List) eachChild(f func(*Token, Node)) {
	tok(f, n.Open)
	for _, e := range n.Elems {
		node(f, e)
	}
	tok(f, n.Close)
}

func (n *AttrSet) eachChild(f func(*Token, Node)) {
	tok(f, n.RecTok)
	tok(f, n.Open)
	for _, b := range n.Binds {
		node(f, b)
	}
	tok(f, n.Close)
}

func (n *LegacyLet) eachChild(f func(*Token, Node)) {
	tok(f, n.LetTok)
	tok(f, n.Open)
	for _, b := range n.Binds {
		node(f, b)
	}
	tok(f, n.Close)
}

func (n *Let) eachChild(f func(*Token, Node)) {
	tok(f, n.LetTok)
	for _, b := range n.Binds {
		node(f, b)
	}
	tok(f, n.InTok)
	node(f, n.Body)
}

func (n *Assign) eachChild(f func(*Token, Node)) {
	node(f, n.Path)
	tok(f, n.Eq)
	node(f, n.Value)
	tok(f, n.Semi)
}

func (n *Inherit) eachChild(f func(*Token, Node)) {
	tok(f, n.InheritTok)
	tok(f, n.Open)
	node(f, n.From)
	tok(f, n.Close)
	for _, a := range n.Names {
		node(f, a)
	}
	tok(f, n.Semi)
}

func (n *AttrPath) eachChild(f func(*Token, Node)) {
	for i, a := range n.Names {
		node(f, a)
		if i < len(n.Dots) {
			tok(f, n.Dots[i])
		}
	}
}

func (n *AttrName) eachChild(f func(*Token, Node)) {
	tok(f, n.Ident)
	node(f, n.Str)
	node(f, n.Interp)
}

func (n *Select) eachChild(f func(*Token, Node)) {
	node(f, n.X)
	tok(f, n.Dot)
	node(f, n.Path)
	tok(f, n.OrTok)
	node(f, n.Default)
}

func (n *HasAttr) eachChild(f func(*Token, Node)) {
	node(f, n.X)
	tok(f, n.Question)
	node(f, n.Path)
}

func (n *Apply) eachChild(f func(*Token, Node)) {
	node(f, n.Fn)
	node(f, n.Arg)
}

func (n *Unary) eachChild(f func(*Token, Node)) {
	tok(f, n.Op)
	node(f, n.X)
}

func (n *Binary) eachChild(f func(*Token, Node)) {
	node(f, n.X)
	tok(f, n.Op)
	node(f, n.Y)
}

func (n *If) eachChild(f func(*Token, Node)) {
	tok(f, n.IfTok)
	node(f, n.Cond)
	tok(f, n.ThenTok)
	node(f, n.Then)
	tok(f, n.ElseTok)
	node(f, n.Else)
}

func (n *With) eachChild(f func(*Token, Node)) {
	tok(f, n.WithTok)
	node(f, n.Env)
	tok(f, n.Semi)
	node(f, n.Body)
}

func (n *Assert) eachChild(f func(*Token, Node)) {
	tok(f, n.AssertTok)
	node(f, n.Cond)
	tok(f, n.Semi)
	node(f, n.Body)
}

func (n *Lambda) eachChild(f func(*Token, Node)) {
	// arg@{ ... } or { ... }@arg: whichever comes first in the source.
	if n.Arg != nil && (n.Formals == nil || n.Formals.Open == nil || n.Arg.Off < n.Formals.Open.Off) {
		tok(f, n.Arg)
		tok(f, n.At)
		node(f, n.Formals)
	} else {
		node(f, n.Formals)
		tok(f, n.At)
		tok(f, n.Arg)
	}
	tok(f, n.Colon)
	node(f, n.Body)
}

func (n *Formals) eachChild(f func(*Token, Node)) {
	tok(f, n.Open)
	for _, it := range n.Items {
		tok(f, it.Name)
		tok(f, it.Question)
		node(f, it.Default)
		tok(f, it.Comma)
	}
	tok(f, n.Ellipsis)
	tok(f, n.Close)
}

func (n *Error) eachChild(f func(*Token, Node)) {
	for _, e := range n.Elems {
		tok(f, e.Tok)
		if e.Node != nil {
			node(f, e.Node)
		}
	}
}

// Inspect traverses the tree rooted at n in depth-first source order,
// calling f for each node; when f returns false the node's children are
// skipped. It keeps its own stack, so that trees as deep as long operator
// chains make do with memory proportional to their size.
func Inspect(n Node, f func(Node) bool) {
	if n == nil || isNilNode(n) {
		return
	}
	stack := []Node{n}
	var kids []Node
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if !f(n) {
			continue
		}
		kids = kids[:0]
		n.eachChild(func(_ *Token, c Node) {
			if c != nil {
				kids = append(kids, c)
			}
		})
		for i := len(kids) - 1; i >= 0; i-- {
			stack = append(stack, kids[i])
		}
	}
}

// Tokens calls f for each token of n in source order. Like Inspect it
// keeps its own stack.
func Tokens(n Node, f func(*Token)) {
	walkTokens(n, func(t *Token) bool { f(t); return true })
}

// walkTokens calls f for the tokens of n in source order until f returns
// false.
func walkTokens(n Node, f func(*Token) bool) {
	if n == nil || isNilNode(n) {
		return
	}
	stack := []Elem{{Node: n}}
	var kids []Elem
	for len(stack) > 0 {
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if top.Tok != nil {
			if !f(top.Tok) {
				return
			}
			continue
		}
		kids = kids[:0]
		top.Node.eachChild(func(t *Token, c Node) {
			kids = append(kids, Elem{Tok: t, Node: c})
		})
		for i := len(kids) - 1; i >= 0; i-- {
			stack = append(stack, kids[i])
		}
	}
}

// FirstToken returns the first token of n, or nil when n holds none.
func FirstToken(n Node) *Token {
	var first *Token
	walkTokens(n, func(t *Token) bool { first = t; return false })
	return first
}

// LastToken returns the last token of n, or nil when n holds none. It
// descends into the last child holding a token, so it costs the depth of
// n, not its size.
func LastToken(n Node) *Token {
	for n != nil && !isNilNode(n) {
		var kids []Elem
		n.eachChild(func(t *Token, c Node) {
			kids = append(kids, Elem{Tok: t, Node: c})
		})
		var deeper Node
		for i := len(kids) - 1; i >= 0 && deeper == nil; i-- {
			if kids[i].Tok != nil {
				return kids[i].Tok
			}
			if FirstToken(kids[i].Node) != nil {
				deeper = kids[i].Node
			}
		}
		n = deeper
	}
	return nil
}
