package csrc

import (
	"regexp"
	"strings"
)

// A line of the call log: an optional "[label] " and a call with its
// result, "= 0x7f3a1c000000", "= 3", "= -1 EACCES (Permission denied)" or
// "= ?".
var (
	logLabel  = regexp.MustCompile(`^\s*\[(?:parent |child )?\d+\]\s+`)
	logResult = regexp.MustCompile(`^([A-Za-z_]\w*\(.*\))\s+=\s+(?:-?\d+|0x[0-9a-fA-F]+|\?)(?:\s+E[A-Z0-9]+\s+\(.*\))?\s*;?\s*$`)
)

// FromLog turns lines copied from the call log (or printed by mapscope
// run) back into statements: "[811] mmap(NULL, 4096, …) = 0x7f…" becomes
// "mmap(NULL, 4096, …);". Other lines are left as they are, so typing C
// is unaffected.
func FromLog(src string) string {
	lines := strings.Split(src, "\n")
	for i, l := range lines {
		stripped := logLabel.ReplaceAllString(l, "")
		if m := logResult.FindStringSubmatch(stripped); m != nil {
			lines[i] = m[1] + ";"
		}
	}
	return strings.Join(lines, "\n")
}
