package password

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"io"
	"strings"
	"sync"

	"github.com/frontdesk/frontdesk/internal/textfold"
)

//go:generate sh internal/gen/generate.sh

// commonGz is the list of breached and common passwords: lower-case, sorted
// (byte order), one per line, gzip-compressed. data/README.md says where it
// comes from and under which licence; internal/gen builds it.
//
//go:embed data/common-passwords.txt.gz
var commonGz []byte

// commonList is the decompressed list: one string holding every entry
// followed by '\n', and the offset where each entry starts. Two allocations
// instead of one per entry keep it at about the size of the text.
type commonList struct {
	text  string
	start []uint32
}

// common decompresses the list the first time it is needed.
var common = sync.OnceValue(loadList)

func loadList() *commonList {
	zr, err := gzip.NewReader(bytes.NewReader(commonGz))
	if err != nil {
		panic("password: corrupt embedded list: " + err.Error())
	}
	var b strings.Builder
	b.Grow(2 << 20) // the list is about 1.9 MB: one allocation
	if _, err := io.Copy(&b, zr); err != nil {
		panic("password: corrupt embedded list: " + err.Error())
	}
	text := b.String()
	l := &commonList{text: text, start: make([]uint32, 0, strings.Count(text, "\n"))}
	for i := 0; i < len(text); {
		l.start = append(l.start, uint32(i))
		j := strings.IndexByte(text[i:], '\n')
		if j < 0 {
			break
		}
		i += j + 1
	}
	return l
}

func (l *commonList) len() int { return len(l.start) }

// at returns entry i.
func (l *commonList) at(i int) string {
	s := l.text[l.start[i]:]
	if j := strings.IndexByte(s, '\n'); j >= 0 {
		return s[:j]
	}
	return s
}

// has reports whether s is an entry (binary search).
func (l *commonList) has(s string) bool {
	lo, hi := 0, l.len()
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		switch e := l.at(m); {
		case e == s:
			return true
		case e < s:
			lo = m + 1
		default:
			hi = m
		}
	}
	return false
}

// CommonCount is the number of entries in the embedded list.
func CommonCount() int { return common().len() }

// IsCommon reports whether pw, ignoring case and diacritics, is in the
// embedded list of breached and common passwords.
func IsCommon(pw string) bool {
	l := common()
	lower := strings.ToLower(pw)
	if l.has(lower) {
		return true
	}
	folded := textfold.Fold(pw)
	return folded != lower && l.has(folded)
}
