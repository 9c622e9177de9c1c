package attach

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config points at an S3-compatible bucket (AWS S3, MinIO, Ceph RGW,
// Garage, R2 …). Either every required field is set or none is.
type S3Config struct {
	Endpoint  string // host[:port], no scheme (UseSSL picks https)
	Bucket    string
	AccessKey string
	SecretKey string
	Region    string // empty means us-east-1
	UseSSL    bool
}

// Enabled reports whether any S3 setting was given (Validate then insists
// on the rest).
func (c S3Config) Enabled() bool {
	return c.Endpoint != "" || c.Bucket != "" || c.AccessKey != "" || c.SecretKey != "" || c.Region != ""
}

// Validate reports the first missing or malformed S3 setting, named as the
// flag that sets it.
func (c S3Config) Validate() error {
	var missing []string
	for _, f := range []struct{ name, v string }{
		{"--s3-endpoint", c.Endpoint}, {"--s3-bucket", c.Bucket},
		{"--s3-access-key", c.AccessKey}, {"--s3-secret-key", c.SecretKey},
	} {
		if strings.TrimSpace(f.v) == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("S3 attachment storage is partly configured: also set %s", strings.Join(missing, ", "))
	}
	if strings.Contains(c.Endpoint, "://") || strings.ContainsAny(c.Endpoint, "/ ") {
		return fmt.Errorf("--s3-endpoint %q must be host[:port] without a scheme or path (use --s3-use-ssl for https)", c.Endpoint)
	}
	return nil
}

// s3PartSize is the part size of multipart uploads (S3's minimum) and the
// most an upload buffers: a file that fits is sent in one PUT.
const s3PartSize = 5 << 20

// S3 keeps blobs as objects named attachments/KEY in a bucket.
type S3 struct {
	client *minio.Client
	bucket string
}

// NewS3 connects to the bucket and checks that it exists, so a wrong
// setting fails at start rather than at the first upload.
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	region := cfg.Region
	if region == "" {
		region = "us-east-1"
	}
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: cfg.UseSSL,
		Region: region,
	})
	if err != nil {
		return nil, fmt.Errorf("s3 client: %w", err)
	}
	ok, err := client.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("s3 bucket %q at %s: %w", cfg.Bucket, cfg.Endpoint, err)
	}
	if !ok {
		return nil, fmt.Errorf("s3 bucket %q does not exist at %s", cfg.Bucket, cfg.Endpoint)
	}
	return &S3{client: client, bucket: cfg.Bucket}, nil
}

func objectName(key string) string { return "attachments/" + key }

// Put uploads r: in one PUT when it fits in a part, else as a multipart
// upload (which the client aborts if r fails, leaving no object).
func (s *S3) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	buf := make([]byte, s3PartSize)
	n, err := io.ReadFull(r, buf)
	// Integrity by Content-MD5 per request rather than aws-chunked
	// streaming signatures, which S3-compatible servers support unevenly
	// (some store the chunk framing inside multipart parts, or refuse an
	// empty chunked body for want of a Content-Length).
	opts := minio.PutObjectOptions{ContentType: "application/octet-stream", DisableContentSha256: true, SendContentMd5: true}
	var info minio.UploadInfo
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		info, err = s.client.PutObject(ctx, s.bucket, objectName(key), bytes.NewReader(buf[:n]), int64(n), opts)
	case err != nil:
		return 0, err
	default:
		opts.PartSize = s3PartSize
		info, err = s.client.PutObject(ctx, s.bucket, objectName(key), io.MultiReader(bytes.NewReader(buf), r), -1, opts)
	}
	if err != nil {
		return 0, err
	}
	return info.Size, nil
}

// Open returns the object's body; a missing object is ErrNotFound.
func (s *S3) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	obj, err := s.client.GetObject(ctx, s.bucket, objectName(key), minio.GetObjectOptions{})
	if err == nil {
		_, err = obj.Stat()
	}
	if err != nil {
		if obj != nil {
			obj.Close()
		}
		if minio.ToErrorResponse(err).Code == minio.NoSuchKey {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, key)
		}
		return nil, fmt.Errorf("s3 get: %w", err)
	}
	return obj, nil
}

// Delete removes the object; S3 treats a missing one as deleted already.
func (s *S3) Delete(ctx context.Context, key string) error {
	err := s.client.RemoveObject(ctx, s.bucket, objectName(key), minio.RemoveObjectOptions{})
	if err != nil && minio.ToErrorResponse(err).Code != minio.NoSuchKey {
		return fmt.Errorf("s3 delete: %w", err)
	}
	return nil
}
