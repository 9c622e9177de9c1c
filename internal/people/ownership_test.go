package people_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestOnlyPeopleWritesUsers: the users and user_identities tables have one
// writer, this package (issue 8 item 6). Other packages call it
// (SetPasswordTx, MarkEmailVerifiedTx, …); schema migrations are exempt.
func TestOnlyPeopleWritesUsers(t *testing.T) {
	write := regexp.MustCompile("(?i)(UPDATE|INSERT\\s+INTO|DELETE\\s+FROM)\\s+(users|user_identities)\\b")
	root := filepath.Join("..")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		if strings.HasPrefix(rel, "people"+string(filepath.Separator)) || strings.HasPrefix(rel, "store"+string(filepath.Separator)) {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range write.FindAllIndex(src, -1) {
			line := 1 + strings.Count(string(src[:m[0]]), "\n")
			t.Errorf("%s:%d writes %q: only package people may write users and user_identities", rel, line, src[m[0]:m[1]])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
