package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
)

// TestServeRefusesIncompleteS3: a partial or malformed S3 configuration is
// a start-up error naming what is wrong, before anything is opened.
func TestServeRefusesIncompleteS3(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"bucket only", []string{"--s3-bucket", "files"}, nil, "also set --s3-endpoint, --s3-access-key, --s3-secret-key"},
		{"secret missing from env", nil, map[string]string{"FRONTDESK_S3_ENDPOINT": "s3.example.com", "FRONTDESK_S3_BUCKET": "files", "FRONTDESK_S3_ACCESS_KEY": "k"}, "--s3-secret-key"},
		{"scheme in endpoint", []string{"--s3-endpoint", "https://s3.example.com", "--s3-bucket", "b", "--s3-access-key", "k", "--s3-secret-key", "s"}, nil, "no scheme"},
		{"bad ssl flag", []string{"--s3-use-ssl", "yes please"}, nil, `"yes please"`},
		{"ssl without s3", nil, map[string]string{"FRONTDESK_S3_USE_SSL": "false"}, "no S3 storage is configured"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{"ENDPOINT", "BUCKET", "ACCESS_KEY", "SECRET_KEY", "REGION", "USE_SSL"} {
				t.Setenv("FRONTDESK_S3_"+k, "") // restored after the test
				os.Unsetenv("FRONTDESK_S3_" + k)
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			dir := t.TempDir()
			var out bytes.Buffer
			args := append([]string{"serve", "--data", dir, "--addr", "127.0.0.1:0"}, tt.args...)
			err := run(context.Background(), args, strings.NewReader(""), &out, &out)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want mention of %q", err, tt.want)
			}
		})
	}
}
