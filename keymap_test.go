package main

import (
	"flag"
	"os"
	"strings"
	"testing"

	"mapscope/ui"
)

var update = flag.Bool("update", false, "rewrite the README's generated key table")

// TestREADMEKeyTable fails when README.md's key table is not the one
// generated from ui.DefaultKeyMap.
func TestREADMEKeyTable(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	before, rest, ok := strings.Cut(text, keyTableBegin)
	if !ok {
		t.Fatalf("README.md lacks the marker %q", keyTableBegin)
	}
	_, after, ok := strings.Cut(rest, keyTableEnd)
	if !ok {
		t.Fatalf("README.md lacks the marker %q", keyTableEnd)
	}
	want := before + keyTableBegin + "\n" + keyTable(ui.DefaultKeyMap()) + keyTableEnd + after
	if text == want {
		return
	}
	if *update {
		if err := os.WriteFile("README.md", []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's key table is stale: run go test -run TestREADMEKeyTable -update .")
}

func TestKeyTableListsEnabledKeysOnly(t *testing.T) {
	km := ui.DefaultKeyMap()
	table := keyTable(km)
	for _, g := range km.Groups() {
		for _, kb := range g.Bindings {
			row := "| " + markdownKeys(kb) + " | " + kb.Help().Desc + " |"
			if kb.Enabled() != strings.Contains(table, row) {
				t.Errorf("binding %v (enabled %v): row %q present = %v", kb.Keys(), kb.Enabled(), row, !kb.Enabled())
			}
		}
	}
}
