package web_test

import (
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/frontdesk/frontdesk/internal/assign"
	"github.com/frontdesk/frontdesk/internal/chat"
)

// dropProxy forwards TCP to the help desk until drop cuts every connection
// and refuses new ones; restore lets them through again.
type dropProxy struct {
	ln      net.Listener
	backend string
	mu      sync.Mutex
	down    bool
	conns   map[net.Conn]bool
}

func newDropProxy(t *testing.T, backend string) *dropProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &dropProxy{ln: ln, backend: strings.TrimPrefix(backend, "http://"), conns: map[net.Conn]bool{}}
	t.Cleanup(func() { ln.Close(); p.drop() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			if p.down {
				p.mu.Unlock()
				c.Close()
				continue
			}
			p.conns[c] = true
			p.mu.Unlock()
			go func() {
				b, err := net.Dial("tcp", p.backend)
				if err != nil {
					c.Close()
					return
				}
				p.mu.Lock()
				p.conns[b] = true
				p.mu.Unlock()
				go func() { io.Copy(b, c); b.Close() }()
				io.Copy(c, b)
				c.Close()
			}()
		}
	}()
	return p
}

func (p *dropProxy) url() string { return "http://" + p.ln.Addr().String() }

func (p *dropProxy) drop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		c.Close()
	}
	p.conns = map[net.Conn]bool{}
}

func (p *dropProxy) restore() {
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
}

// TestBrowserChatNetworkDrop: the network between the widget and the help
// desk drops mid-chat; messages the visitor sends meanwhile wait in the
// widget's queue and, once the network is back, arrive exactly once.
func TestBrowserChatNetworkDrop(t *testing.T) {
	b := newBrowser(t)
	e := newEnv(t, "")
	proxy := newDropProxy(t, e.base)
	var key string
	site := shopSite(t, proxy.url(), &key)
	key = e.shopKey(site, chat.KeyInput{})
	e.client().signIn("/agent/signin", e.agent.Email) // a live session: the agent counts as present
	if _, err := e.app.Assign.SetMine(as(e.agent), assign.Online); err != nil {
		t.Fatal(err)
	}

	vi := b.tab("visitor")
	vi.openWidget(site.URL + "/")
	vi.submitForm("Vera", "vera@example.com", "Hello")
	vi.waitWidget("Waiting for an agent")
	conv := e.acceptQueued()
	vi.waitWidget("Alan Agent joined the chat.")

	bodies := func() []string {
		v, err := e.app.Chat.AgentConversation(as(e.agent), conv, 0)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range v.Messages {
			if m.Kind == chat.KindVisitor {
				out = append(out, m.Body)
			}
		}
		return out
	}

	proxy.drop()
	vi.waitWidget("Reconnecting")
	for _, s := range []string{"sent while offline one", "sent while offline two"} {
		vi.eval(w(fmt.Sprintf(`const t = R.querySelector("#fdc-text"); t.value = %q; R.querySelector("form.c button").click(); return "";`, s)))
	}
	vi.waitJS(w(`return R.querySelectorAll("[data-pending]").length === 2;`), "two queued messages")
	if got := bodies(); len(got) != 1 {
		t.Fatalf("messages reached the help desk while the network was down: %v", got)
	}
	proxy.restore()
	vi.waitJS(w(`return R.querySelectorAll("[data-pending]").length === 0;`), "the queue delivered")
	got := strings.Join(bodies(), "|")
	if got != "Hello|sent while offline one|sent while offline two" {
		t.Fatalf("after the network came back: %s", got)
	}
	// A reload replays nothing: the queue is empty, the history shows each once.
	vi.open(site.URL + "/")
	vi.waitWidget("sent while offline two")
	if n := vi.eval(w(`return String([...R.querySelectorAll(".m.visitor")].filter(m => m.innerText.includes("offline one")).length);`)); n != "1" {
		t.Fatalf("shown %s times", n)
	}
	if got := strings.Join(bodies(), "|"); got != "Hello|sent while offline one|sent while offline two" {
		t.Fatalf("after the reload: %s", got)
	}
	vi.noScriptRan("the widget")
}
