package webhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/internal/webhook"
)

// standardVerify is a receiver written from the Standard Webhooks
// specification alone (not from this package's signer): strip whsec_,
// base64-decode the key, HMAC-SHA256 "id.timestamp.body", compare with
// every "v1," signature in the header.
func standardVerify(secret string, h http.Header, body []byte, now time.Time) bool {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return false
	}
	id, ts := h.Get("webhook-id"), h.Get("webhook-timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || now.Sub(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		return false
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "." + string(body)))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	for _, s := range strings.Fields(h.Get("webhook-signature")) {
		v, sig, ok := strings.Cut(s, ",")
		if ok && v == "v1" && hmac.Equal([]byte(sig), []byte(want)) {
			return true
		}
	}
	return false
}

func TestSignatureVerifiesWithStandardWebhooks(t *testing.T) {
	secret := webhook.NewSecret()
	if !strings.HasPrefix(secret, "whsec_") || secret == webhook.NewSecret() {
		t.Fatalf("secret %q", secret)
	}
	now := time.Unix(1_700_000_000, 0)
	body := []byte(`{"ticket":{"id":1,"subject":"Zażółć gęślą jaźń"}}`)
	sig, err := webhook.Sign(secret, "msg_1", now, body)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set("webhook-id", "msg_1")
	h.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	h.Set("webhook-signature", sig)
	if !standardVerify(secret, h, body, now) || webhook.Verify(secret, h, body, now, 0) != nil {
		t.Fatal("a valid signature is rejected")
	}
	tampered := append([]byte(nil), body...)
	tampered[10] ^= 1
	if standardVerify(secret, h, tampered, now) || webhook.Verify(secret, h, tampered, now, 0) == nil {
		t.Fatal("a tampered body is accepted")
	}
	if standardVerify(webhook.NewSecret(), h, body, now) {
		t.Fatal("another secret verifies")
	}
	h2 := h.Clone()
	h2.Set("webhook-id", "msg_2")
	if standardVerify(secret, h2, body, now) || webhook.Verify(secret, h2, body, now, 0) == nil {
		t.Fatal("a changed webhook-id is accepted")
	}
	if webhook.Verify(secret, h, body, now.Add(10*time.Minute), 0) == nil {
		t.Fatal("a stale timestamp is accepted")
	}
}
