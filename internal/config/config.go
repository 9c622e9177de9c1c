// Package config reads Frontdesk's start-up configuration from command-line
// flags and FRONTDESK_* environment variables, validated against one table
// of options (options.go): each option's name, environment variable, flag,
// default and description live in one entry, and the help text and the
// README table are generated from it.
//
// A bad value is an error naming the option and the value, never a silent
// fallback: `frontdesk serve` refuses to start. Flags override the
// environment, which overrides the defaults.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/frontdesk/frontdesk/internal/server"
)

// Config is the validated configuration of one command.
type Config struct {
	// Server is what server.Open needs.
	Server server.Config
	// LogLevel is the minimum level logged.
	LogLevel slog.Level
	// DebugAddr serves net/http/pprof when not "" (keep it on loopback).
	DebugAddr string
	// GCPercent is the garbage collector's target for `frontdesk serve`
	// (debug.SetGCPercent); 0 leaves the runtime's own (GOGC, or 100).
	GCPercent int
}

// DefaultGCPercent is the server's garbage-collection target. Lists
// allocate briskly, and at Go's 100 the collector made the server's CPU per
// list a fifth higher than at 200. The 200 costs about 5 MB more resident
// memory idle, 8 MB more at peak and 11 % more per idle chat socket
// (BENCHMARKS.md, "P12: the load tool's share, and the collector's").
const DefaultGCPercent = 200

// Scope says which commands read an option.
type Scope uint8

const (
	// Store options are read by every command that opens the store.
	Store Scope = 1 << iota
	// Serve options are read by `frontdesk serve` only.
	Serve
)

// Option is one entry of the table. Build entries with opt (options.go).
type Option struct {
	// Name is the flag (--name); the environment variable is derived from
	// it (see Env).
	Name string
	// Default is the value in force when neither a flag nor the environment
	// sets one, written as a user would write it; it is parsed like one.
	Default string
	// Usage describes the option for --help and the README.
	Usage string
	// Kind is the type of its value.
	Kind Kind
	// Scope is the commands that read it.
	Scope Scope
	// Secret options have their values left out of error messages.
	Secret bool
	// Bool options may be given as a bare --flag.
	Bool bool
	// apply parses s and stores it in c.
	apply func(c *Config, s string) error
}

// Env is the option's environment variable: FRONTDESK_ and the flag name
// in upper case with "_" for "-".
func (o Option) Env() string {
	return "FRONTDESK_" + strings.ToUpper(strings.ReplaceAll(o.Name, "-", "_"))
}

// Options returns the table, in help order.
func Options() []Option { return append([]Option(nil), options...) }

// Defaults is the configuration with every option at its default, for
// commands that take no configuration and tests.
func Defaults() Config {
	var c Config
	for _, o := range options {
		if err := o.apply(&c, o.Default); err != nil {
			panic(fmt.Sprintf("config: the default of %s does not parse: %v", o.Name, err))
		}
	}
	return c
}

// Loader parses one command's configuration.
type Loader struct {
	fs    *flag.FlagSet
	scope Scope
	env   func(string) (string, bool)
	cfg   Config
	// badSecret is the raw value of a secret flag that failed to parse.
	badSecret string
}

// NewLoader returns a loader for command (its name in messages) reading
// the options of scope. env looks up environment variables (nil means
// os.LookupEnv). Add the command's own flags to FlagSet before Parse.
func NewLoader(command string, scope Scope, env func(string) (string, bool)) *Loader {
	if env == nil {
		env = os.LookupEnv
	}
	l := &Loader{fs: flag.NewFlagSet(command, flag.ContinueOnError), scope: scope, env: env, cfg: Defaults()}
	l.fs.SetOutput(io.Discard)
	for _, o := range options {
		if o.Scope&scope == 0 {
			continue
		}
		l.fs.Var(&flagValue{o: o, l: l}, o.Name, o.Usage)
	}
	return l
}

// FlagSet is the command's flag set, for its own flags.
func (l *Loader) FlagSet() *flag.FlagSet { return l.fs }

// flagValue parses a flag with its option's parser.
type flagValue struct {
	o Option
	l *Loader
}

func (v *flagValue) String() string {
	if v == nil || v.l == nil {
		return ""
	}
	return v.o.Default
}

func (v *flagValue) Set(s string) error {
	if err := v.o.apply(&v.l.cfg, s); err != nil {
		if v.o.Secret {
			v.l.badSecret = s // the flag package quotes it: Parse redacts it
		}
		return err
	}
	return nil
}

// IsBoolFlag lets boolean options be given as a bare --flag.
func (v *flagValue) IsBoolFlag() bool { return v.o.Bool }

// ErrHelp is returned by Parse after writing the help for -h or --help.
var ErrHelp = flag.ErrHelp

// Parse reads the environment, then args (flags win), and returns the
// validated configuration. Every bad environment value is reported, each
// naming its variable; a bad flag names the flag. For -h/--help it writes
// the help to help and returns ErrHelp.
func (l *Loader) Parse(args []string, help io.Writer) (*Config, error) {
	var errs []error
	if v, ok := l.env("FRONTDESK_TRUST_FORWARDED_PROTO"); ok && v != "" && l.scope&Serve != 0 {
		errs = append(errs, errors.New("FRONTDESK_TRUST_FORWARDED_PROTO was replaced by FRONTDESK_TRUSTED_PROXIES (--trusted-proxies): list your proxies' addresses"))
	}
	for _, o := range options {
		if o.Scope&l.scope == 0 {
			continue
		}
		s, ok := l.env(o.Env())
		if !ok {
			continue
		}
		if err := o.apply(&l.cfg, s); err != nil {
			errs = append(errs, fmt.Errorf("invalid %s=%s (--%s): %s", o.Env(), o.quote(s), o.Name, err))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if err := l.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			l.WriteHelp(help)
			return nil, ErrHelp
		}
		msg := err.Error()
		if l.badSecret != "" {
			msg = strings.ReplaceAll(msg, fmt.Sprintf("%q", l.badSecret), fmt.Sprintf("%q", redactURL(l.badSecret)))
		}
		return nil, fmt.Errorf("%s: %s", l.fs.Name(), msg)
	}
	if l.fs.NArg() > 0 {
		return nil, fmt.Errorf("%s: unexpected argument %q", l.fs.Name(), l.fs.Arg(0))
	}
	c := l.cfg
	if l.scope&Serve != 0 {
		if err := checkS3(&c, l.explicit); err != nil {
			return nil, err
		}
		if _, ok := l.env("GOGC"); ok && !l.explicit("gc-percent") {
			c.GCPercent = 0 // the runtime already follows GOGC
		}
	}
	return &c, nil
}

// explicit says whether option name was given by a flag or the environment.
func (l *Loader) explicit(name string) bool {
	set := false
	l.fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	if set {
		return true
	}
	_, ok := l.env(Option{Name: name}.Env())
	return ok
}

// quote shows a bad value in an error message, hiding secrets.
func (o Option) quote(s string) string {
	if o.Secret {
		return fmt.Sprintf("%q", redactURL(s))
	}
	return fmt.Sprintf("%q", s)
}

// WriteHelp lists the command's flags: the table's options (with their
// environment variables and defaults) and the command's own.
func (l *Loader) WriteHelp(w io.Writer) {
	fmt.Fprintf(w, "Usage of frontdesk %s:\n\n", l.fs.Name())
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  FLAG\tENVIRONMENT\tDEFAULT\tDESCRIPTION")
	own := map[string]bool{}
	for _, o := range options {
		if o.Scope&l.scope == 0 {
			continue
		}
		own[o.Name] = true
		fmt.Fprintf(tw, "  --%s\t%s\t%s\t%s\n", o.Name, o.Env(), showDefault(o.Default), o.Usage)
	}
	l.fs.VisitAll(func(f *flag.Flag) {
		if !own[f.Name] {
			fmt.Fprintf(tw, "  --%s\t\t%s\t%s\n", f.Name, showDefault(f.DefValue), f.Usage)
		}
	})
	tw.Flush()
	fmt.Fprintln(w, "\nFlags override environment variables. A bad value stops the command with an error.")
}

func showDefault(d string) string {
	if d == "" {
		return `""`
	}
	return d
}

// Markdown is the README's table of options.
func Markdown() string {
	var b strings.Builder
	b.WriteString("| Flag | Environment variable | Default | Commands | Description |\n")
	b.WriteString("|---|---|---|---|---|\n")
	for _, o := range options {
		cmds := "serve"
		if o.Scope&Store != 0 {
			cmds = "all"
		}
		def := "(none)"
		if o.Default != "" {
			def = "`" + o.Default + "`"
		}
		fmt.Fprintf(&b, "| `--%s` | `%s` | %s | %s | %s |\n", o.Name, o.Env(), def, cmds, o.Usage)
	}
	return b.String()
}
