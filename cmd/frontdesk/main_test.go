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

// TestServeRejectsBadEdgeSettings: trusted proxies are validated at start,
// and the replaced FRONTDESK_TRUST_FORWARDED_PROTO is refused with a pointer
// to its successor rather than silently ignored.
func TestServeRejectsBadEdgeSettings(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	for _, bad := range []string{"10.0.0.0/33", "proxy.example", "10.0.0.1,nonsense"} {
		var o bytes.Buffer
		err := run(ctx, []string{"serve", "--data", dir, "--addr", "127.0.0.1:0", "--trusted-proxies", bad}, nil, &o, &o)
		if err == nil || !strings.Contains(err.Error(), "trusted proxies") {
			t.Errorf("--trusted-proxies %q: err = %v", bad, err)
		}
	}
	t.Setenv("FRONTDESK_TRUST_FORWARDED_PROTO", "true")
	var o bytes.Buffer
	err := run(ctx, []string{"serve", "--data", dir, "--addr", "127.0.0.1:0"}, nil, &o, &o)
	if err == nil || !strings.Contains(err.Error(), "FRONTDESK_TRUSTED_PROXIES") {
		t.Errorf("FRONTDESK_TRUST_FORWARDED_PROTO: err = %v", err)
	}
}
