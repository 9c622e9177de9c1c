package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Signing follows Standard Webhooks (standardwebhooks.com): the secret is
// "whsec_" followed by base64 of random bytes; the key is those bytes; the
// signed content is "<webhook-id>.<webhook-timestamp>.<body>"; the header
// webhook-signature is "v1,<base64 HMAC-SHA256>". Zendesk's own headers
// are sent too: X-Zendesk-Webhook-Signature is base64 of HMAC-SHA256 over
// "<timestamp><body>" keyed with the secret string, and
// X-Zendesk-Webhook-Signature-Timestamp is that timestamp (RFC 3339).

// Header names.
const (
	HeaderID                 = "webhook-id"
	HeaderTimestamp          = "webhook-timestamp"
	HeaderSignature          = "webhook-signature"
	HeaderZendeskSignature   = "X-Zendesk-Webhook-Signature"
	HeaderZendeskTimestamp   = "X-Zendesk-Webhook-Signature-Timestamp"
	HeaderZendeskInvocation  = "X-Zendesk-Webhook-Invocation-Id"
	HeaderZendeskWebhookID   = "X-Zendesk-Webhook-Id"
	secretPrefix             = "whsec_"
	secretBytes              = 32
	SignatureAlgorithm       = "SHA256"
	defaultTolerance         = 5 * time.Minute
	errTimestampOutsideRange = "timestamp outside the tolerance"
)

// NewSecret returns a fresh signing secret.
func NewSecret() string {
	b := make([]byte, secretBytes)
	_, _ = rand.Read(b) // crypto/rand never fails (Go 1.24+)
	return secretPrefix + base64.StdEncoding.EncodeToString(b)
}

func secretKey(secret string) ([]byte, error) {
	if !strings.HasPrefix(secret, secretPrefix) {
		return nil, errors.New("webhook: signing secret lacks the whsec_ prefix")
	}
	return base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, secretPrefix))
}

// Sign returns the Standard Webhooks signature header value for a message.
func Sign(secret, id string, ts time.Time, body []byte) (string, error) {
	key, err := secretKey(secret)
	if err != nil {
		return "", err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + strconv.FormatInt(ts.Unix(), 10) + "."))
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}

// ZendeskSignature returns Zendesk's X-Zendesk-Webhook-Signature for a
// body sent at timestamp (the value of the timestamp header).
func ZendeskSignature(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp))
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// setSignatureHeaders signs body and sets every signature header on h.
func setSignatureHeaders(h http.Header, secret, id string, now time.Time, body []byte) error {
	sig, err := Sign(secret, id, now, body)
	if err != nil {
		return err
	}
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	h.Set(HeaderSignature, sig)
	zts := now.UTC().Format(time.RFC3339)
	h.Set(HeaderZendeskTimestamp, zts)
	h.Set(HeaderZendeskSignature, ZendeskSignature(secret, zts, body))
	return nil
}

// Verify checks a received message as a Standard Webhooks receiver does:
// the timestamp within tolerance of now (0 means five minutes) and one of
// the space-separated v1 signatures matching. Receivers built on Frontdesk
// (and the tests) use it.
func Verify(secret string, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = defaultTolerance
	}
	id, tsRaw, sigs := h.Get(HeaderID), h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if id == "" || tsRaw == "" || sigs == "" {
		return errors.New("webhook: missing signature headers")
	}
	sec, err := strconv.ParseInt(tsRaw, 10, 64)
	if err != nil {
		return errors.New("webhook: invalid timestamp")
	}
	ts := time.Unix(sec, 0)
	if d := now.Sub(ts); d > tolerance || d < -tolerance {
		return errors.New("webhook: " + errTimestampOutsideRange)
	}
	want, err := Sign(secret, id, ts, body)
	if err != nil {
		return err
	}
	for _, s := range strings.Fields(sigs) {
		if hmac.Equal([]byte(s), []byte(want)) {
			return nil
		}
	}
	return errors.New("webhook: no matching signature")
}
