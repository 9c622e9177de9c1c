package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"

	"github.com/frontdesk/frontdesk/internal/attach"
)

// s3Flags registers the attachment object-storage flags on fs (each also
// FRONTDESK_S3_…) and returns a function that, after fs.Parse, gives the
// checked configuration: empty when none is set, complete when any is.
func s3Flags(fs *flag.FlagSet) func() (attach.S3Config, error) {
	var c attach.S3Config
	fs.StringVar(&c.Endpoint, "s3-endpoint", env("S3_ENDPOINT", ""), "S3-compatible endpoint host[:port] for attachments (empty: database on PostgreSQL, data directory on SQLite)")
	fs.StringVar(&c.Bucket, "s3-bucket", env("S3_BUCKET", ""), "S3 bucket for attachments (must exist)")
	fs.StringVar(&c.AccessKey, "s3-access-key", env("S3_ACCESS_KEY", ""), "S3 access key")
	fs.StringVar(&c.SecretKey, "s3-secret-key", env("S3_SECRET_KEY", ""), "S3 secret key (prefer FRONTDESK_S3_SECRET_KEY over the flag)")
	fs.StringVar(&c.Region, "s3-region", env("S3_REGION", ""), "S3 region (default us-east-1)")
	ssl := fs.String("s3-use-ssl", env("S3_USE_SSL", "true"), "talk to the S3 endpoint over HTTPS (true or false)")
	return func() (attach.S3Config, error) {
		v, err := strconv.ParseBool(*ssl)
		if err != nil {
			return c, fmt.Errorf("--s3-use-ssl (FRONTDESK_S3_USE_SSL): %q is not true or false", *ssl)
		}
		c.UseSSL = v
		if !c.Enabled() {
			if _, set := os.LookupEnv("FRONTDESK_S3_USE_SSL"); set || flagSet(fs, "s3-use-ssl") {
				return c, fmt.Errorf("--s3-use-ssl is set but no S3 storage is configured (set --s3-endpoint, --s3-bucket, --s3-access-key, --s3-secret-key)")
			}
			return c, nil
		}
		return c, c.Validate()
	}
}

func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
