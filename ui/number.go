package ui

import (
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"strings"

	"mapscope/procmaps"
)

// pageSize is the size of a page, the unit of every mapping.
var pageSize = procmaps.PageSize

// userTop is the end of the user address space on x86_64 with 4-level page
// tables (and the default on arm64 with 48-bit addresses): no mapping a
// process makes can reach it.
const userTop = uint64(1) << 47

// parseSize reads a size the way people write one in a form: a number in
// decimal, hex (0x1000) or octal (0666), with an optional unit suffix
// (k, M, G, T in powers of 1024; an optional trailing "b" or "iB"), and
// products and sums of those: "4k", "2M", "3*4096", "2*4k+100". It fails,
// with a sentence fit for the field, on anything else and on a result that
// does not fit in 64 bits.
func parseSize(s string) (uint64, error) {
	s = strings.ReplaceAll(s, " ", "")
	if s == "" {
		return 0, errors.New("enter a size, e.g. 4k, 2M or 3*4096")
	}
	var sum uint64
	for term := range strings.SplitSeq(s, "+") {
		prod := uint64(1)
		for factor := range strings.SplitSeq(term, "*") {
			v, err := parseFactor(strings.TrimSpace(factor))
			if err != nil {
				return 0, err
			}
			hi, lo := bits.Mul64(prod, v)
			if hi != 0 {
				return 0, fmt.Errorf("%s is too large: it does not fit in 64 bits", s)
			}
			prod = lo
		}
		var carry uint64
		sum, carry = bits.Add64(sum, prod, 0)
		if carry != 0 {
			return 0, fmt.Errorf("%s is too large: it does not fit in 64 bits", s)
		}
	}
	return sum, nil
}

// units are the suffixes parseSize accepts, in powers of 1024.
var units = map[string]uint{"": 0, "k": 10, "m": 20, "g": 30, "t": 40}

// parseFactor reads one number with its unit.
func parseFactor(s string) (uint64, error) {
	if s == "" {
		return 0, errors.New("a number is missing around * or +")
	}
	num, unit := s, ""
	if !strings.HasPrefix(strings.ToLower(s), "0x") {
		i := len(s)
		for i > 0 && (s[i-1] < '0' || s[i-1] > '9') {
			i--
		}
		num, unit = s[:i], strings.ToLower(s[i:])
		unit = strings.TrimSuffix(strings.TrimSuffix(unit, "ib"), "b")
	}
	shift, ok := units[unit]
	if !ok || num == "" {
		return 0, fmt.Errorf("%q is not a size: write a number with an optional k, M, G or T, e.g. 4k", s)
	}
	v, err := strconv.ParseUint(num, 0, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, fmt.Errorf("%s is too large: it does not fit in 64 bits", s)
		}
		return 0, fmt.Errorf("%q is not a number", num)
	}
	if shift > 0 && v > (^uint64(0))>>shift {
		return 0, fmt.Errorf("%s is too large: it does not fit in 64 bits", s)
	}
	return v << shift, nil
}

// parseAddr reads an address: hex with or without 0x (as the table shows
// them), "NULL" or empty for 0 when allowNull, optionally plus sizes:
// "0x7f3a1c000000+16k", "7f3a1c000000 + 2*4096".
func parseAddr(s string, allowNull bool) (uint64, error) {
	s = strings.TrimSpace(s)
	if base, off, ok := strings.Cut(s, "+"); ok {
		a, err := parseAddr(base, false)
		if err != nil {
			return 0, err
		}
		d, err := parseSize(off)
		if err != nil {
			return 0, err
		}
		if a+d < a {
			return 0, errors.New("the address does not fit in 64 bits")
		}
		return a + d, nil
	}
	if s == "" || s == "NULL" || s == "0" {
		if allowNull {
			return 0, nil
		}
		return 0, errors.New("enter an address, e.g. 0x7f3a1c000000")
	}
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	v, err := strconv.ParseUint(s, 16, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, errors.New("the address does not fit in 64 bits")
		}
		return 0, fmt.Errorf("%q is not a hex address", s)
	}
	return v, nil
}

// parseInt reads a small signed integer (a file descriptor, an fd of -1).
func parseInt(s string) (int, error) {
	v, err := strconv.ParseInt(strings.TrimSpace(s), 0, 32)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number", strings.TrimSpace(s))
	}
	return int(v), nil
}

// checkRange validates a range [addr, addr+length) for munmap, mprotect,
// msync and madvise: the address must be page-aligned and the range must
// lie in user space.
func checkRange(addr, length uint64) error {
	if addr%pageSize != 0 {
		return fmt.Errorf("not page-aligned: must be a multiple of %d (0x%x)", pageSize, pageSize)
	}
	if length == 0 {
		return errors.New("the length must be more than 0")
	}
	end, carry := bits.Add64(addr, length, 0)
	if carry != 0 || end > userTop {
		return fmt.Errorf("0x%x + %d passes the end of user space (0x%x)", addr, length, userTop)
	}
	return nil
}
