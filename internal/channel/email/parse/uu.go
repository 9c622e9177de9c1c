package parse

import (
	"regexp"
	"strings"
)

type uuFile struct {
	name string
	data []byte
}

var uuBegin = regexp.MustCompile(`^begin [0-7]{3,4} (.+)$`)

// extractUUEncoded removes "begin NNN name … end" blocks (Lotus Notes and
// old clients put attachments inline this way) from text and decodes them.
func extractUUEncoded(text string) (string, []uuFile) {
	if !strings.Contains(text, "\nbegin ") && !strings.HasPrefix(text, "begin ") {
		return text, nil
	}
	lines := strings.Split(text, "\n")
	var kept []string
	var files []uuFile
	for i := 0; i < len(lines); i++ {
		m := uuBegin.FindStringSubmatch(strings.TrimRight(lines[i], "\r"))
		if m == nil {
			kept = append(kept, lines[i])
			continue
		}
		end := i + 1
		for end < len(lines) && strings.TrimRight(lines[end], "\r") != "end" {
			end++
		}
		if end == len(lines) {
			kept = append(kept, lines[i:]...)
			break
		}
		var data []byte
		for _, l := range lines[i+1 : end] {
			data = uudecodeLine(data, strings.TrimRight(l, "\r"))
		}
		files = append(files, uuFile{name: strings.TrimSpace(m[1]), data: data})
		i = end
	}
	return strings.Join(kept, "\n"), files
}
