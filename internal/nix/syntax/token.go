package syntax

// TokenKind is the class of a token, following the token classes of Nix's
// lexer.
type TokenKind uint8

// Token kinds. Names in comments are those of Nix's grammar.
const (
	TokEOF     TokenKind = iota // end of input; its Lead holds the trailing trivia
	TokInvalid                  // a byte no rule matches (Nix returns it as a bare character)

	TokIdent      // ID
	TokInt        // INT
	TokFloat      // FLOAT
	TokPath       // PATH: a relative or absolute path, or its first piece before ${
	TokHomePath   // HPATH: ~/..., or ~/ before ${
	TokSearchPath // SPATH: <nixpkgs/lib>
	TokURI        // URI

	TokQuote    // " opening or closing a string
	TokIndOpen  // '' opening an indented string, with the spaces and newline it swallows
	TokIndClose // '' closing an indented string
	TokStrText  // STR: literal text inside "..."
	TokIndText  // IND_STR: literal text inside ''...'', or $, ', ''' or ''$
	TokIndEsc   // IND_STR: an escape ''\X inside ''...''
	TokPathText // STR: literal text of a path after an interpolation
	TokPathEnd  // PATH_END: zero-width end of a path

	TokDollarCurly // ${

	TokIf      // if
	TokThen    // then
	TokElse    // else
	TokAssert  // assert
	TokWith    // with
	TokLet     // let
	TokIn      // in
	TokRec     // rec
	TokInherit // inherit
	TokOr      // or (OR_KW)
	TokEllipsis

	TokEq        // ==
	TokNeq       // !=
	TokLeq       // <=
	TokGeq       // >=
	TokAnd       // &&
	TokOrOr      // ||
	TokImpl      // ->
	TokUpdate    // //
	TokConcat    // ++
	TokPipeRight // |> (pipe-operators)
	TokPipeLeft  // <| (pipe-operators)

	TokLParen   // (
	TokRParen   // )
	TokLBracket // [
	TokRBracket // ]
	TokLBrace   // {
	TokRBrace   // }
	TokSemi     // ;
	TokColon    // :
	TokComma    // ,
	TokDot      // .
	TokAssign   // =
	TokQuestion // ?
	TokAt       // @
	TokNot      // !
	TokPlus     // +
	TokMinus    // -
	TokStar     // *
	TokSlash    // /
	TokLess     // <
	TokGreater  // >

	numTokenKinds
)

var tokenNames = [numTokenKinds]string{
	TokEOF:         "end of file",
	TokInvalid:     "invalid character",
	TokIdent:       "identifier",
	TokInt:         "integer",
	TokFloat:       "float",
	TokPath:        "path",
	TokHomePath:    "path",
	TokSearchPath:  "search path",
	TokURI:         "URI",
	TokQuote:       `'"'`,
	TokIndOpen:     "indented string",
	TokIndClose:    "''",
	TokStrText:     "string text",
	TokIndText:     "string text",
	TokIndEsc:      "string escape",
	TokPathText:    "path text",
	TokPathEnd:     "end of path",
	TokDollarCurly: "'${'",
	TokIf:          "'if'",
	TokThen:        "'then'",
	TokElse:        "'else'",
	TokAssert:      "'assert'",
	TokWith:        "'with'",
	TokLet:         "'let'",
	TokIn:          "'in'",
	TokRec:         "'rec'",
	TokInherit:     "'inherit'",
	TokOr:          "'or'",
	TokEllipsis:    "'...'",
	TokEq:          "'=='",
	TokNeq:         "'!='",
	TokLeq:         "'<='",
	TokGeq:         "'>='",
	TokAnd:         "'&&'",
	TokOrOr:        "'||'",
	TokImpl:        "'->'",
	TokUpdate:      "'//'",
	TokConcat:      "'++'",
	TokPipeRight:   "'|>'",
	TokPipeLeft:    "'<|'",
	TokLParen:      "'('",
	TokRParen:      "')'",
	TokLBracket:    "'['",
	TokRBracket:    "']'",
	TokLBrace:      "'{'",
	TokRBrace:      "'}'",
	TokSemi:        "';'",
	TokColon:       "':'",
	TokComma:       "','",
	TokDot:         "'.'",
	TokAssign:      "'='",
	TokQuestion:    "'?'",
	TokAt:          "'@'",
	TokNot:         "'!'",
	TokPlus:        "'+'",
	TokMinus:       "'-'",
	TokStar:        "'*'",
	TokSlash:       "'/'",
	TokLess:        "'<'",
	TokGreater:     "'>'",
}

// String describes the kind for error messages.
func (k TokenKind) String() string {
	if k < numTokenKinds {
		return tokenNames[k]
	}
	return "token"
}

// Token is one token with the trivia (whitespace and comments) before it.
// Concatenating Lead and Text of every token of a file, in order, gives the
// file back.
type Token struct {
	Kind TokenKind
	// Off is the byte offset of Text in the source.
	Off int
	// Lead is the whitespace and comments before the token.
	Lead string
	// Text is the token as written.
	Text string
}

// End is the byte offset just after the token.
func (t *Token) End() int { return t.Off + len(t.Text) }

// keywords maps keyword spellings to their kinds.
func keyword(s string) TokenKind {
	switch s {
	case "if":
		return TokIf
	case "then":
		return TokThen
	case "else":
		return TokElse
	case "assert":
		return TokAssert
	case "with":
		return TokWith
	case "let":
		return TokLet
	case "in":
		return TokIn
	case "rec":
		return TokRec
	case "inherit":
		return TokInherit
	case "or":
		return TokOr
	}
	return TokIdent
}
