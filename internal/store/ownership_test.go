package store_test

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// writeSQL finds the table each INSERT, UPDATE or DELETE statement writes
// (keywords in upper case, as all SQL here is written; prose does not match).
var writeSQL = regexp.MustCompile(`\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+([a-z_][a-z0-9_]*)\b`)

// TestOneWriterPerTable holds the design rule "one package writes each
// table": it reads every non-test Go file under internal/ and cmd/ and fails
// when two packages hold SQL that writes the same table. (The schema
// migrations in this package are the exception: they create and convert.)
// A package that needs another's table changed calls that package.
func TestOneWriterPerTable(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	writers := map[string]map[string]bool{}
	for _, dir := range []string{"internal", "cmd"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			rel, _ := filepath.Rel(root, path)
			pkg := filepath.ToSlash(filepath.Dir(rel))
			if pkg == "internal/store" && strings.HasPrefix(filepath.Base(path), "schema") {
				return nil
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range writeSQL.FindAllStringSubmatch(string(src), -1) {
				table := m[1] // SQL keywords are upper case here, table names lower case
				if writers[table] == nil {
					writers[table] = map[string]bool{}
				}
				writers[table][pkg] = true
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(writers) < 10 {
		t.Fatalf("found writes to only %d tables; is the scan looking in the right place (%s)?", len(writers), root)
	}
	for table, pkgs := range writers {
		if len(pkgs) > 1 {
			var list []string
			for p := range pkgs {
				list = append(list, p)
			}
			sort.Strings(list)
			t.Errorf("table %s is written by %d packages: %s", table, len(list), strings.Join(list, ", "))
		}
	}
}
