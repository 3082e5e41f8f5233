package main

import (
	"strings"

	"charm.land/bubbles/v2/key"

	"mapscope/ui"
)

// The key bindings live in ui/keymap.go (DefaultKeyMap), because the UI's
// tests need them and package ui cannot import package main. This file
// turns them into the README's key table, so the README, the help screen
// and the short help line all come from the same bindings;
// TestREADMEKeyTable fails when the README is stale and rewrites it with
// `go test -run TestREADMEKeyTable -update .`.

// Markers around the generated table in README.md.
const (
	keyTableBegin = "<!-- keys:begin (generated from ui/keymap.go by TestREADMEKeyTable -update) -->"
	keyTableEnd   = "<!-- keys:end -->"
)

// keyTable renders the enabled bindings of km as a Markdown table, one row
// per binding, grouped as the help screen groups them.
func keyTable(km ui.KeyMap) string {
	var b strings.Builder
	b.WriteString("| group | keys | action |\n|---|---|---|\n")
	for _, g := range km.Groups() {
		for _, kb := range g.Bindings {
			if !kb.Enabled() {
				continue
			}
			b.WriteString("| " + g.Name + " | " + markdownKeys(kb) + " | " + kb.Help().Desc + " |\n")
		}
	}
	return b.String()
}

// markdownKeys lists the keys of a binding as code spans.
func markdownKeys(kb key.Binding) string {
	keys := kb.Keys()
	parts := make([]string, len(keys))
	for i, k := range keys {
		if k == "|" {
			k = `\|`
		}
		parts[i] = "`" + k + "`"
	}
	return strings.Join(parts, " ")
}
