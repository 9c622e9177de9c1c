package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
)

func TestUserAndTokenCommands(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"user", "create", "--data", dir, "--email", "Admin@Example.com", "--name", "Ada", "--role", "admin"},
		strings.NewReader("a long enough passphrase\n"), &out, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "<admin@example.com> (admin)") {
		t.Fatalf("output %q", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"token", "create", "--data", dir, "--email", "admin@example.com"}, nil, &out, &out); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[A-Za-z0-9_-]{40,}\n$`).MatchString(out.String()) {
		t.Fatalf("token output %q is not one token alone on a line", out.String())
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"bad role", []string{"user", "create", "--data", dir, "--email", "x@example.com", "--name", "X", "--role", "god"}, "role"},
		{"bad email", []string{"user", "create", "--data", dir, "--email", "nope", "--name", "X"}, "email"},
		{"unknown user token", []string{"token", "create", "--data", dir, "--email", "ghost@example.com"}, "no user"},
		{"unknown command", []string{"frobnicate"}, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var o bytes.Buffer
			err := run(ctx, tt.args, strings.NewReader(""), &o, &o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want mention of %q", err, tt.want)
			}
		})
	}
	out.Reset()
	if err := run(ctx, []string{"migrate", "--data", dir}, nil, &out, &out); err != nil || !strings.Contains(out.String(), "schema at version") {
		t.Fatalf("migrate: %v %q", err, out.String())
	}
}
