package answerbot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/frontdesk/frontdesk/internal/helpcenter"
	"github.com/frontdesk/frontdesk/internal/sanitize"
	"github.com/frontdesk/frontdesk/internal/settings"
)

// Drafted answers (p11-bot-draft). With an OpenAI-compatible endpoint
// configured and settings.BotDraftMode not off, the bot asks the endpoint
// to draft an answer from the help-center articles it found. It sends
// only a fixed system prompt, the visitor's question, and the titles and
// plain-text bodies of the top articles that anyone may read (articles
// restricted to signed-in users, groups or organizations never leave the
// help desk). Any failure — timeout, HTTP error, malformed or empty
// answer — is logged, counted, and the bot answers as it would without
// drafting.

// Limits of a drafting request and its answer.
const (
	maxDraftQuestion = 2000      // runes of the visitor's question sent
	maxDraftBody     = 6000      // runes of one article's body sent
	maxDraftAnswer   = 2000      // runes of the answer kept
	maxDraftResponse = 256 << 10 // bytes of the response read
	maxDraftTokens   = 700
	maxDraftRedirect = 3
	// draftMargin is left of a caller's deadline for answering without a
	// draft when the endpoint is slow.
	draftMargin = 2 * time.Second
)

// noAnswer is what the model is told to say when the articles do not
// answer the question.
const noAnswer = "NO_ANSWER"

// draftSystemPrompt is the fixed instruction sent with every request.
const draftSystemPrompt = "You are the answer bot of a customer help desk. Answer the customer's question using only the help-center articles given. " +
	"If the articles do not answer the question, reply with exactly " + noAnswer + ". " +
	"Reply in the language of the question, briefly, in plain text: no HTML, no Markdown, no links. Never invent facts, prices, policies or promises."

// DraftStats counts drafting requests by result (for /metrics).
type DraftStats struct {
	OK, Failed, NoAnswer atomic.Int64
}

// draftConfig is what a drafting request needs, read from the settings.
type draftConfig struct {
	mode, endpoint, model, key string
	timeout                    time.Duration
	articles                   int
}

// draftMode returns the drafting configuration when drafting is on and
// configured (ok false otherwise: off, or no endpoint or model).
func (s *Service) draftMode(ctx context.Context) (draftConfig, bool, error) {
	st := s.settingsSvc()
	var c draftConfig
	var err error
	if c.mode, err = settings.BotDraftMode.Get(ctx, st); err != nil || c.mode == settings.BotDraftOff {
		return c, false, err
	}
	if c.endpoint, err = settings.BotDraftEndpoint.Get(ctx, st); err != nil || c.endpoint == "" {
		return c, false, err
	}
	if c.model, err = settings.BotDraftModel.Get(ctx, st); err != nil || c.model == "" {
		return c, false, err
	}
	n, err := settings.BotDraftTimeout.Get(ctx, st)
	if err != nil {
		return c, false, err
	}
	c.timeout = time.Duration(n) * time.Second
	a, err := settings.BotDraftArticles.Get(ctx, st)
	if err != nil {
		return c, false, err
	}
	c.articles = int(a)
	// Open reads the key ("" when none is stored); without a box only
	// whether one is stored can be told.
	if s.Box != nil {
		c.key, err = settings.BotDraftAPIKey.Open(ctx, st, s.Box)
		return c, err == nil, err
	}
	if set, err := settings.BotDraftAPIKey.IsSet(ctx, st); err != nil {
		return c, false, err
	} else if set {
		return c, false, errors.New("answerbot: an API key is stored but no instance key is configured")
	}
	return c, true, nil
}

// draftable keeps the articles that may be sent: those anyone may read,
// at most n.
func draftable(arts []helpcenter.Article, n int) []helpcenter.Article {
	var out []helpcenter.Article
	for _, a := range arts {
		if a.Public() && !a.Draft && len(out) < n {
			out = append(out, a)
		}
	}
	return out
}

type chatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type chatRequest struct {
	Model     string        `json:"model"`
	Messages  []chatMessage `json:"messages"`
	MaxTokens int           `json:"max_tokens"`
	Stream    bool          `json:"stream"`
}

type chatResponse struct {
	Choices []struct {
		Message struct {
			Content *string `json:"content"`
		} `json:"message"`
	} `json:"choices"`
}

// draftPrompt is the user message: the articles, then the question.
func draftPrompt(question string, arts []helpcenter.Article) string {
	var b strings.Builder
	b.WriteString("Help-center articles:\n")
	for i, a := range arts {
		fmt.Fprintf(&b, "\n[%d] %s\n%s\n", i+1, oneLine(a.Title), clip(sanitize.PlainText(a.Body), maxDraftBody))
	}
	b.WriteString("\nCustomer's question:\n")
	b.WriteString(clip(strings.TrimSpace(question), maxDraftQuestion))
	return b.String()
}

func clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "")
	if utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n])
	}
	return s
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// errDraft is a drafting failure that is the endpoint's (status, body).
type errDraft struct{ why string }

func (e errDraft) Error() string { return "answerbot: draft: " + e.why }

// requestDraft asks the endpoint for a draft answering question from
// arts. It returns "" without error when the model found no answer.
func (s *Service) requestDraft(ctx context.Context, c draftConfig, question string, arts []helpcenter.Article) (string, error) {
	timeout := c.timeout
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl) - draftMargin; left < timeout {
			timeout = left
		}
	}
	if timeout <= 0 {
		return "", errDraft{"no time left for a draft"}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	body, err := json.Marshal(chatRequest{Model: c.model, MaxTokens: maxDraftTokens, Messages: []chatMessage{
		{Role: "system", Content: draftSystemPrompt},
		{Role: "user", Content: draftPrompt(question, arts)},
	}})
	if err != nil {
		return "", err
	}
	url := strings.TrimRight(c.endpoint, "/") + "/chat/completions"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return "", errDraft{"bad endpoint"}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	res, err := draftClient.Do(req)
	if err != nil {
		// The error names the URL, never the key (it is in a header).
		return "", fmt.Errorf("answerbot: draft: %w", err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxDraftResponse+1))
	if err != nil {
		return "", fmt.Errorf("answerbot: draft: reading the answer: %w", err)
	}
	if res.StatusCode != http.StatusOK {
		return "", errDraft{fmt.Sprintf("the endpoint answered %d", res.StatusCode)}
	}
	if len(raw) > maxDraftResponse {
		return "", errDraft{"the answer is too long"}
	}
	var out chatResponse
	if err := json.Unmarshal(raw, &out); err != nil {
		return "", errDraft{"the answer is not chat-completions JSON"}
	}
	if len(out.Choices) == 0 || out.Choices[0].Message.Content == nil {
		return "", errDraft{"the answer has no message"}
	}
	text := cleanDraft(*out.Choices[0].Message.Content)
	if text == "" {
		return "", errDraft{"the answer is empty"}
	}
	if strings.Contains(text, noAnswer) {
		return "", nil
	}
	return text, nil
}

// cleanDraft keeps a draft as plain text: valid UTF-8, no control
// characters but line breaks, at most maxDraftAnswer runes. It is shown
// escaped wherever it goes, like any other plain text.
func cleanDraft(s string) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		if r == '\n' {
			return r
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > maxDraftAnswer {
		s = strings.TrimSpace(string([]rune(s)[:maxDraftAnswer])) + "…"
	}
	return s
}

// draftClient is shared by every drafting request (an http.Client is safe
// for concurrent use). It follows a redirect only to the same scheme and
// host (the key is never sent elsewhere), at most maxDraftRedirect times.
var draftClient = &http.Client{
	Transport: func() http.RoundTripper {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 4
		t.ResponseHeaderTimeout = time.Duration(settings.MaxBotDraftTimeout) * time.Second
		return t
	}(),
	CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxDraftRedirect {
			return errors.New("too many redirects")
		}
		if req.URL.Scheme != via[0].URL.Scheme || req.URL.Host != via[0].URL.Host {
			return errors.New("redirect to another host refused")
		}
		return nil
	},
}

// draft asks for a draft answering question from arts (those that may be
// sent); "" on any failure, which is logged and counted, or when the
// articles do not answer it. It never fails the caller.
func (s *Service) draft(ctx context.Context, c draftConfig, question string, arts []helpcenter.Article, where string, id int64) (string, []helpcenter.Article) {
	used := draftable(arts, c.articles)
	if len(used) == 0 || strings.TrimSpace(question) == "" {
		return "", nil
	}
	text, err := s.requestDraft(ctx, c, question, used)
	switch {
	case err != nil:
		s.Stats.Failed.Add(1)
		s.log().Warn("answerbot: drafting an answer failed; answering without one", "where", where, "id", id, "err", err)
		return "", nil
	case text == "":
		s.Stats.NoAnswer.Add(1)
		return "", nil
	}
	s.Stats.OK.Add(1)
	return text, used
}
