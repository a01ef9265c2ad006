package frontend

import (
	"go/ast"
	"go/types"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"
)

// notAPI are the handlers that answer JSON outside the API, with why.
var notAPI = map[string]string{
	"stripeWebhook": "answers Stripe's webhook calls; not part of /api/v1 or openapi.json",
	"boardDelta":    "the board page's own live refresh (changed card fragments for board.js); not part of /api/v1",
	"secureBoard":   "the secure board page's own live refresh (changed parts for live.js, ?partial=delta); not part of /api/v1",
}

// TestAPIResponsesUseGeneratedTypes type-checks this package and lists what every
// c.JSON call answers with: each must be a type generated from openapi.json (package
// apitypes), never a map, a hand-written struct or an anonymous one, so that the
// document is the one source of truth for every response shape, errors included.
func TestAPIResponsesUseGeneratedTypes(t *testing.T) {
	if testing.Short() {
		t.Skip("type-checks the package")
	}
	cfg := &packages.Config{Mode: packages.NeedName | packages.NeedFiles | packages.NeedSyntax | packages.NeedTypes | packages.NeedTypesInfo}
	pkgs, err := packages.Load(cfg, ".")
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) != 1 || len(pkgs[0].Errors) > 0 {
		t.Fatalf("loading the package: %v", pkgs)
	}
	pkg := pkgs[0]
	apitypesPath := pkg.PkgPath + "/apitypes"
	var table []string
	for _, file := range pkg.Syntax {
		name := filepath.Base(pkg.Fset.Position(file.Pos()).Filename)
		for _, decl := range file.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				body, ok := jsonBody(pkg.TypesInfo, call)
				if !ok {
					return true
				}
				typ := pkg.TypesInfo.TypeOf(body)
				where := name + ": " + fn.Name.Name
				table = append(table, where+" → "+types.TypeString(typ, nil))
				if why, skip := notAPI[fn.Name.Name]; skip {
					t.Logf("%s is not checked: %s", where, why)
					return true
				}
				if !generated(typ, apitypesPath) {
					t.Errorf("%s (%s) answers with %s, not a type generated from openapi.json", where, pkg.Fset.Position(body.Pos()), typ)
				}
				return true
			})
		}
	}
	if len(table) < 60 {
		t.Fatalf("found only %d JSON responses; is the search still finding the handlers?", len(table))
	}
	sort.Strings(table)
	t.Logf("API responses:\n%s", strings.Join(table, "\n"))
}

// jsonBody is the body argument of a call to echo.Context's JSON or JSONPretty.
func jsonBody(info *types.Info, call *ast.CallExpr) (ast.Expr, bool) {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || len(call.Args) < 2 {
		return nil, false
	}
	fn, ok := info.Uses[sel.Sel].(*types.Func)
	if !ok {
		return nil, false
	}
	switch fn.FullName() {
	case "(github.com/labstack/echo/v4.Context).JSON", "(github.com/labstack/echo/v4.Context).JSONPretty":
		return call.Args[1], true
	}
	return nil, false
}

// generated reports whether t is a named type (or a pointer to one) declared in the
// package at path.
func generated(t types.Type, path string) bool {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	named, ok := t.(*types.Named)
	return ok && named.Obj().Pkg() != nil && named.Obj().Pkg().Path() == path
}
