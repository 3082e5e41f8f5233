package main

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"mapscope/ui"
)

func TestParseArgs(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want func(config) bool
		mode ui.Mode
	}{
		{"lab", nil, func(c config) bool { return c.lab() && c.command == nil }, ui.ModeLab},
		{"lab command", []string{"--interval", "1s", "--", "cat", "-n"},
			func(c config) bool {
				return slices.Equal(c.command, []string{"cat", "-n"}) && c.interval == time.Second
			}, ui.ModeLab},
		{"-p", []string{"-p", "42"}, func(c config) bool { return c.pid == 42 }, ui.ModeAttached},
		{"bare pid", []string{"42"}, func(c config) bool { return c.pid == 42 }, ui.ModeAttached},
		{"flags after pid", []string{"42", "--theme", "projector"}, func(c config) bool { return c.pid == 42 && c.theme == "projector" }, ui.ModeAttached},
		{"self", []string{"--self"}, func(c config) bool { return c.self }, ui.ModeSelf},
		{"keep", []string{"--keep"}, func(c config) bool { return c.keep && c.lab() }, ui.ModeLab},
		{"maps json", []string{"maps", "7", "--json"}, func(c config) bool { return c.maps && c.json && c.pid == 7 }, ui.ModeAttached},
		{"defaults", []string{"-p", "1"}, func(c config) bool {
			return c.interval == 500*time.Millisecond && c.highlight == 3*time.Second && c.theme == "auto" && !c.keep
		}, ui.ModeAttached},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseArgs(tt.args)
			if err != nil {
				t.Fatalf("parseArgs(%q): %v", tt.args, err)
			}
			if !tt.want(c) {
				t.Errorf("parseArgs(%q) = %+v", tt.args, c)
			}
			if c.mode() != tt.mode {
				t.Errorf("mode = %v, want %v", c.mode(), tt.mode)
			}
		})
	}
}

func TestParseArgsErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--frobnicate"}, "flag provided but not defined"},
		{[]string{"abc"}, `"abc" is not a process ID`},
		{[]string{"-5"}, "flag provided but not defined"},
		{[]string{"0"}, "is not a process ID"},
		{[]string{"1", "2"}, "unexpected argument"},
		{[]string{"-p", "1", "2"}, "two PIDs"},
		{[]string{"maps"}, "maps needs a PID"},
		{[]string{"--self", "-p", "3"}, "exclude each other"},
		{[]string{"-p", "3", "--", "ls"}, "cannot be combined"},
		{[]string{"--"}, "nothing after --"},
		{[]string{"--interval", "1ms"}, "too short"},
		{[]string{"--interval", "soon"}, "invalid value"},
		{[]string{"--highlight", "-1s"}, "negative"},
		{[]string{"--theme", "neon"}, `unknown theme "neon"`},
	}
	for _, tt := range tests {
		_, err := parseArgs(tt.args)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("parseArgs(%q) error = %v, want one containing %q", tt.args, err, tt.want)
		}
	}
	if _, err := parseArgs([]string{"--help"}); !errors.Is(err, errHelp) {
		t.Errorf("--help: %v, want errHelp", err)
	}
}
