package parse

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"io"
	"strings"
)

// transferDecoder undoes a Content-Transfer-Encoding leniently: invalid
// characters are skipped, truncated input yields what could be decoded.
// Unknown encodings pass the bytes through.
func transferDecoder(encoding string, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, &base64Filter{r: r})
	case "quoted-printable":
		return &qpReader{br: bufio.NewReaderSize(r, 4096)}
	case "x-uuencode", "uuencode", "x-uue":
		return &uuReader{br: bufio.NewReaderSize(r, 4096)}
	default:
		return r
	}
}

// base64Filter passes only base64 alphabet bytes, stops at padding, and
// pads a truncated final quantum so the decoder returns what it can.
type base64Filter struct {
	r    io.Reader
	n    int // alphabet bytes emitted
	done bool
	buf  []byte
}

func (f *base64Filter) Read(p []byte) (int, error) {
	if f.done {
		return f.pad(p)
	}
	if cap(f.buf) < len(p) {
		f.buf = make([]byte, len(p))
	}
	for {
		n, err := f.r.Read(f.buf[:len(p)])
		out := 0
		for _, c := range f.buf[:n] {
			if c == '=' {
				f.done = true
				break
			}
			if isBase64(c) {
				p[out] = c
				out++
			}
		}
		f.n += out
		// Any read error ends the data: a truncated part still yields what
		// arrived, and real I/O errors are reported by Parse's source reader.
		if f.done || err != nil {
			f.done = true
			if out > 0 {
				return out, nil
			}
			return f.pad(p)
		}
		if out > 0 {
			return out, nil
		}
	}
}

// pad completes the last quantum with '=' (a lone leftover sextet carries
// no full byte and cannot be padded, so it is left for the decoder to drop).
func (f *base64Filter) pad(p []byte) (int, error) {
	rem := f.n % 4
	if rem < 2 || len(p) == 0 {
		return 0, io.EOF
	}
	n := copy(p, "=="[:4-rem])
	f.n += n
	return n, nil
}

func isBase64(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/'
}

// qpReader decodes quoted-printable line by line; malformed escapes are
// kept literally.
type qpReader struct {
	br  *bufio.Reader
	out []byte
	err error
}

func (q *qpReader) Read(p []byte) (int, error) {
	for len(q.out) == 0 {
		if q.err != nil {
			return 0, q.err
		}
		line, err := q.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			err = nil // long line: decode this chunk, no newline yet
		}
		q.out = decodeQPLine(q.out[:0], line)
		if err != nil {
			q.err = io.EOF // truncated input ends the text; see base64Filter
		}
	}
	n := copy(p, q.out)
	q.out = q.out[n:]
	return n, nil
}

func decodeQPLine(dst, line []byte) []byte {
	hasNL := bytes.HasSuffix(line, []byte("\n"))
	body := bytes.TrimRight(line, "\r\n")
	body = bytes.TrimRight(body, " \t")
	soft := bytes.HasSuffix(body, []byte("="))
	if soft {
		body = body[:len(body)-1]
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c == '=' && i+2 < len(body) && isHex(body[i+1]) && isHex(body[i+2]) {
			dst = append(dst, unhex(body[i+1])<<4|unhex(body[i+2]))
			i += 2
			continue
		}
		dst = append(dst, c)
	}
	if hasNL && !soft {
		dst = append(dst, '\n')
	}
	return dst
}

// uuReader decodes a uuencoded body ("begin … end").
type uuReader struct {
	br    *bufio.Reader
	out   []byte
	begun bool
	err   error
}

func (u *uuReader) Read(p []byte) (int, error) {
	for len(u.out) == 0 {
		if u.err != nil {
			return 0, u.err
		}
		line, err := u.br.ReadString('\n')
		if err != nil {
			u.err = io.EOF
		}
		line = strings.TrimRight(line, "\r\n")
		switch {
		case !u.begun:
			u.begun = strings.HasPrefix(line, "begin ")
		case line == "end":
			u.err = io.EOF
		default:
			u.out = uudecodeLine(u.out[:0], line)
		}
	}
	n := copy(p, u.out)
	u.out = u.out[n:]
	return n, nil
}

func uudecodeLine(dst []byte, line string) []byte {
	if line == "" {
		return dst
	}
	n := int((line[0] - ' ') & 0x3f)
	data := line[1:]
	val := func(i int) byte {
		if i >= len(data) {
			return 0
		}
		return (data[i] - ' ') & 0x3f
	}
	for i := 0; n > 0; i += 4 {
		b0, b1, b2, b3 := val(i), val(i+1), val(i+2), val(i+3)
		chunk := []byte{b0<<2 | b1>>4, b1<<4 | b2>>2, b2<<6 | b3}
		if n < 3 {
			chunk = chunk[:n]
		}
		dst = append(dst, chunk...)
		n -= len(chunk)
	}
	return dst
}
