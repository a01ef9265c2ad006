package frontend

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"text/template/parse"

	"github.com/hearth-placements/hearth/commissioning/secure"
	"github.com/hearth-placements/hearth/marketplace"
	"github.com/hearth-placements/hearth/marketplace/billing"
)

// statusName says whether a field or variable name holds a status.
func statusName(name string) bool {
	return strings.HasSuffix(name, "Status") || strings.HasSuffix(name, "Outcome") || name == "status" || name == "st"
}

// statusExpr says whether a Go expression names a status: x.Status, x.Status(), status.
func statusExpr(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.SelectorExpr:
		return statusName(e.Sel.Name)
	case *ast.Ident:
		return statusName(e.Name)
	case *ast.CallExpr:
		return statusExpr(e.Fun)
	case *ast.ParenExpr:
		return statusExpr(e.X)
	}
	return false
}

// stringLit says whether e is a non-empty string literal (status != "" asks whether
// a filter was given, not what state something is in).
func stringLit(e ast.Expr) bool {
	l, ok := e.(*ast.BasicLit)
	return ok && l.Kind == token.STRING && l.Value != `""` && l.Value != "``"
}

// TestHandlersNeverCompareStatusesWithStrings reads every handler in frontend/ and
// fails on a status compared with a string literal (==, != or a switch case): pages
// ask the status's predicates (IsOpen, Awarded, Live…), which live with the
// transitions in each object's <object>_states.go.
func TestHandlersNeverCompareStatusesWithStrings(t *testing.T) {
	files, err := filepath.Glob("*.go")
	must(t, err)
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		must(t, err)
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BinaryExpr:
				if (n.Op == token.EQL || n.Op == token.NEQ) &&
					(statusExpr(n.X) && stringLit(n.Y) || statusExpr(n.Y) && stringLit(n.X)) {
					t.Errorf("%s: a status compared with a string literal: use its predicate", fset.Position(n.Pos()))
				}
			case *ast.SwitchStmt:
				if n.Tag == nil || !statusExpr(n.Tag) {
					return true
				}
				for _, c := range n.Body.List {
					for _, e := range c.(*ast.CaseClause).List {
						if stringLit(e) {
							t.Errorf("%s: a switch on a status with a string literal case: use its consts or predicates", fset.Position(e.Pos()))
						}
					}
				}
			}
			return true
		})
	}
}

// formsByHand are the handler files still allowed to read a posted form by hand, each
// owned by another piece of work under way: empty it as they are converted to
// decodeForm (one input per action, issue 13).
var formsByHand = map[string]string{
	// The s25 referral's step 1 reads the posted values once, to keep them between
	// pages; they are decoded by decodeFormValues, like every other form.
	"handlers_secure.go": "the s25 referral kept between its two steps",
}

// isRequestCall says whether call is c.Request(): its Form is the posted form.
func isRequestCall(call *ast.CallExpr) bool {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == "Request"
}

// TestHandlersNeverReadFormsByHand parses the package and fails on a handler that reads
// a posted form by hand instead of decoding it into its action's input with decodeForm:
// a call of FormValue, FormParams, PostFormValue or MultipartForm; the request's Form or
// PostForm; bindForm into an empty struct; or a read of a map named form by key. It
// reads the handlers (handlers_*.go, api_*.go); forms.go holds the decoder.
func TestHandlersNeverReadFormsByHand(t *testing.T) {
	files, err := filepath.Glob("*.go")
	must(t, err)
	fset := token.NewFileSet()
	seen := map[string]bool{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") || !strings.HasPrefix(name, "handlers_") && !strings.HasPrefix(name, "api_") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		must(t, err)
		var found []string
		written := map[ast.Expr]bool{} // form["x"] = …: filling a form to show, not reading one
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.AssignStmt:
				for _, l := range n.Lhs {
					written[l] = true
				}
			case *ast.CallExpr:
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok {
					switch sel.Sel.Name {
					case "FormValue", "FormParams", "PostFormValue", "MultipartForm":
						found = append(found, fmt.Sprintf("%s: %s", fset.Position(n.Pos()), sel.Sel.Name))
					}
				}
				if id, ok := n.Fun.(*ast.Ident); ok && id.Name == "bindForm" && len(n.Args) == 2 {
					if u, ok := n.Args[1].(*ast.UnaryExpr); ok {
						if cl, ok := u.X.(*ast.CompositeLit); ok {
							if st, ok := cl.Type.(*ast.StructType); ok && len(st.Fields.List) == 0 {
								found = append(found, fmt.Sprintf("%s: bindForm into an empty struct", fset.Position(n.Pos())))
							}
						}
					}
				}
			case *ast.SelectorExpr:
				if call, ok := n.X.(*ast.CallExpr); ok && (n.Sel.Name == "Form" || n.Sel.Name == "PostForm") && isRequestCall(call) {
					found = append(found, fmt.Sprintf("%s: the request's %s", fset.Position(n.Pos()), n.Sel.Name))
				}
			case *ast.IndexExpr:
				if id, ok := n.X.(*ast.Ident); ok && id.Name == "form" && !written[n] {
					found = append(found, fmt.Sprintf("%s: form[…] read by hand", fset.Position(n.Pos())))
				}
			}
			return true
		})
		if _, ok := formsByHand[name]; ok {
			seen[name] = true
			if len(found) == 0 {
				t.Errorf("%s reads no form by hand now: take it off formsByHand", name)
			}
			continue
		}
		for _, f := range found {
			t.Errorf("%s: decode the form into its action's input with decodeForm", f)
		}
	}
	for name := range formsByHand {
		if !seen[name] {
			t.Errorf("formsByHand names %s, which is not in the package", name)
		}
	}
}

// TestTemplatesNeverCompareStatusesWithStrings parses every template and fails on an
// eq or ne that compares a status (a field ending in Status or Outcome) with a string.
func TestTemplatesNeverCompareStatusesWithStrings(t *testing.T) {
	found := 0
	err := fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".html") {
			return err
		}
		raw, err := fs.ReadFile(templateFS, path)
		if err != nil {
			return err
		}
		tr := parse.New(path)
		tr.Mode = parse.SkipFuncCheck
		trees := map[string]*parse.Tree{}
		if _, err := tr.Parse(string(raw), "{{", "}}", trees); err != nil {
			return err
		}
		for _, tree := range trees {
			walkTemplate(tree.Root, func(cmd *parse.CommandNode) {
				found++
				if bad := statusLiteralCompare(cmd); bad != "" {
					t.Errorf("%s: %s compares a status with a string literal: use its predicate", path, bad)
				}
			})
		}
		return nil
	})
	must(t, err)
	if found == 0 {
		t.Fatal("no template commands found: the walk is broken")
	}
}

// statusLiteralCompare returns the command's text if it is eq or ne over a status
// field and a string literal.
func statusLiteralCompare(cmd *parse.CommandNode) string {
	if len(cmd.Args) < 3 {
		return ""
	}
	fn, ok := cmd.Args[0].(*parse.IdentifierNode)
	if !ok || (fn.Ident != "eq" && fn.Ident != "ne") {
		return ""
	}
	var status, literal bool
	for _, a := range cmd.Args[1:] {
		switch a := a.(type) {
		case *parse.StringNode:
			literal = true
		case *parse.FieldNode:
			status = status || statusName(a.Ident[len(a.Ident)-1])
		case *parse.VariableNode:
			status = status || statusName(a.Ident[len(a.Ident)-1])
		case *parse.ChainNode:
			status = status || len(a.Field) > 0 && statusName(a.Field[len(a.Field)-1])
		}
	}
	if status && literal {
		return cmd.String()
	}
	return ""
}

// walkTemplate calls f for every command in the tree, nested pipelines included.
func walkTemplate(n parse.Node, f func(*parse.CommandNode)) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			walkTemplate(c, f)
		}
	case *parse.ActionNode:
		walkTemplate(n.Pipe, f)
	case *parse.PipeNode:
		if n == nil {
			return
		}
		for _, c := range n.Cmds {
			walkTemplate(c, f)
		}
	case *parse.CommandNode:
		f(n)
		for _, a := range n.Args {
			walkTemplate(a, f)
		}
	case *parse.IfNode:
		walkTemplate(n.Pipe, f)
		walkTemplate(n.List, f)
		walkTemplate(n.ElseList, f)
	case *parse.RangeNode:
		walkTemplate(n.Pipe, f)
		walkTemplate(n.List, f)
		walkTemplate(n.ElseList, f)
	case *parse.WithNode:
		walkTemplate(n.Pipe, f)
		walkTemplate(n.List, f)
		walkTemplate(n.ElseList, f)
	case *parse.TemplateNode:
		walkTemplate(n.Pipe, f)
	}
}

// TestStateDiagramsMatchTables holds the Mermaid diagram in each machine's doc comment
// (the one the README lifts) against the diagram its transition table draws.
func TestStateDiagramsMatchTables(t *testing.T) {
	for _, tc := range []struct {
		file, name, mermaid string
	}{
		{"../marketplace/request_states.go", "RequestMachine", marketplace.RequestMachine.Mermaid()},
		{"../marketplace/invitation_states.go", "InvitationMachine", marketplace.InvitationMachine.Mermaid()},
		{"../marketplace/bid_states.go", "BidMachine", marketplace.BidMachine.Mermaid()},
		{"../marketplace/placement_states.go", "PlacementMachine", marketplace.PlacementMachine.Mermaid()},
		{"../commissioning/secure/referral_states.go", "ReferralMachine", secure.ReferralMachine.Mermaid()},
		{"../commissioning/secure/bed_states.go", "BedMachine", secure.BedMachine.Mermaid()},
		{"../marketplace/billing/invoice_states.go", "InvoiceMachine", billing.InvoiceMachine.Mermaid()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := parser.ParseFile(token.NewFileSet(), tc.file, nil, parser.ParseComments)
			must(t, err)
			var doc string
			for _, d := range f.Decls {
				if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.VAR && g.Doc != nil {
					if v := g.Specs[0].(*ast.ValueSpec); v.Names[0].Name == tc.name {
						doc = g.Doc.Text()
					}
				}
			}
			i := strings.Index(doc, "stateDiagram-v2")
			if i < 0 {
				t.Fatalf("%s: no Mermaid diagram in the doc comment of %s", tc.file, tc.name)
			}
			if got, want := trimLines(doc[i:]), trimLines(tc.mermaid); got != want {
				t.Errorf("%s: the doc comment's diagram\n%s\nis not the table's\n%s", tc.file, got, want)
			}
		})
	}
}

// trimLines drops each line's indentation and the blank lines around the text.
func trimLines(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.Join(lines, "\n")
}

func TestCodeOfTakesStringsStatusesAndPointers(t *testing.T) {
	s := "free"
	var none *string
	for _, tc := range []struct {
		name string
		v    any
		want string
	}{
		{"String", "open", "open"},
		{"Status", secure.BedHeld, "held"},
		{"Pointer", &s, "free"},
		{"NilPointer", none, ""},
		{"NotAString", 3, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := codeOf(tc.v); got != tc.want {
				t.Errorf("codeOf(%#v) = %q, want %q", tc.v, got, tc.want)
			}
		})
	}
}
