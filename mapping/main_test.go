package mapping

import (
	"fmt"
	"os"
	"testing"
	"time"
)

// helperEnv selects a helper role when the test binary re-executes itself.
const helperEnv = "MAPPING_TEST_HELPER"

func TestMain(m *testing.M) {
	if role := os.Getenv(helperEnv); role != "" {
		os.Exit(helperMain(role))
	}
	dir, err := os.MkdirTemp("", "mapping-test-c")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cBuildDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// helperMain runs a helper role in a re-executed test binary.
//
//	spawn:      spawn `sleep infinity` through the engine, fork it, print both PIDs, wait to be killed
//	attach PID: attach to PID (from MAPPING_TEST_PID) and print the error
func helperMain(role string) int {
	switch role {
	case "spawn":
		tr, err := Spawn([]string{"sleep", "infinity"}, nil)
		if err != nil {
			fmt.Println("error", err)
			return 1
		}
		// The fork child has no Pdeathsig (fork clears it): only
		// PTRACE_O_EXITKILL can end it with the helper.
		child, _, err := tr.Fork()
		if err != nil {
			fmt.Println("error", err)
			return 1
		}
		fmt.Println(tr.Pid(), child.Pid())
		time.Sleep(time.Minute)
		return 0
	case "attach":
		var pid int
		fmt.Sscan(os.Getenv("MAPPING_TEST_PID"), &pid)
		tr, err := Attach(pid)
		if err != nil {
			fmt.Println(err)
			return 0
		}
		tr.Close()
		fmt.Println("attached")
		return 0
	}
	return 2
}
