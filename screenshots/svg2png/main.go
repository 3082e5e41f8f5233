// Command svg2png turns the SVG that freeze writes for ANSI text into a PNG,
// the way freeze itself does (resvg compiled to WebAssembly, run by wazero,
// with the JetBrains Mono font that freeze embeds), after two corrections:
//
//   - freeze places background rectangles on a grid of font-size/1.68 per
//     column, while JetBrains Mono advances 0.6 em (font-size/1.667) per
//     character, so on a 120-column screen a background drifts almost a
//     whole cell to the left of its text by the right edge; and each
//     rectangle is half a cell wider than its text. The rectangles are put
//     back on the font's real grid here, one cell per column.
//   - the text is set in JetBrains Mono NL (no ligatures): a terminal draws
//     "->" or "!=" as two cells, and so should its picture.
//   - a character JetBrains Mono lacks (mapscope's tab bar hint ⇄, its error
//     mark ✖) is drawn from DejaVu Sans Mono, as a terminal falls back to
//     another font, instead of as a blank box. That font comes from a Go
//     module too (go-fonts/dejavu), not from the machine, so every machine
//     draws the same picture.
//
// Doing the conversion here rather than in freeze also sidesteps freeze
// v0.2.2's pinned wazero v1.8.0, whose compiler crashes (SIGSEGV in the Go
// garbage collector) under current Go toolchains; this module pins v1.12.0.
//
// Usage: svg2png -scale 2 in.svg out.png
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image/png"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/beevik/etree"
	"github.com/charmbracelet/freeze/font"
	"github.com/go-fonts/dejavu/dejavusansmono"
	resvg "github.com/kanrichan/resvg-go"
)

func main() {
	scale := flag.Float64("scale", 2, "pixels per SVG unit")
	flag.Parse()
	if flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: svg2png [-scale N] in.svg out.png")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), flag.Arg(1), float32(*scale)); err != nil {
		fmt.Fprintln(os.Stderr, "svg2png:", err)
		os.Exit(1)
	}
}

func px(s string) float64 {
	v, _ := strconv.ParseFloat(strings.TrimSuffix(s, "px"), 64)
	return v
}

func fix(doc *etree.Document) error {
	g := doc.FindElement("//g[@font-family]")
	if g == nil {
		return fmt.Errorf("no text group in the SVG: not freeze's output?")
	}
	g.CreateAttr("font-family", "JetBrains Mono NL")
	text := g.SelectElement("text")
	if text == nil {
		return fmt.Errorf("no text in the SVG")
	}
	size := px(g.SelectAttrValue("font-size", "14"))
	x0 := px(text.SelectAttrValue("x", "0"))
	// freeze: x = x0 + col*size/1.68, width = (cells+0.5)*size/1.68.
	// Wanted: x = x0 + col*0.6*size, width = cells*0.6*size.
	freezeCell, cell := size/1.68, 0.6*size
	for _, r := range g.SelectElements("rect") {
		col := math.Round((px(r.SelectAttrValue("x", "0")) - x0) / freezeCell)
		cells := math.Round(px(r.SelectAttrValue("width", "0"))/freezeCell - 0.5)
		r.CreateAttr("x", fmt.Sprintf("%.3fpx", x0+col*cell))
		r.CreateAttr("width", fmt.Sprintf("%.3fpx", cells*cell))
	}
	return nil
}

func run(in, out string, scale float32) error {
	doc := etree.NewDocument()
	if err := doc.ReadFromFile(in); err != nil {
		return err
	}
	if err := fix(doc); err != nil {
		return err
	}
	svg, err := doc.WriteToBytes()
	if err != nil {
		return err
	}
	root := doc.Root()
	w, h := px(root.SelectAttrValue("width", "0")), px(root.SelectAttrValue("height", "0"))

	ctx := context.Background()
	worker, err := resvg.NewDefaultWorker(ctx)
	if err != nil {
		return err
	}
	defer worker.Close()
	fontdb, err := worker.NewFontDBDefault()
	if err != nil {
		return err
	}
	defer fontdb.Close()
	if err := fontdb.LoadFontData(font.JetBrainsMonoNLTTF); err != nil {
		return err
	}
	// The fallback: resvg looks in the font database for a font that has
	// a character the named family lacks.
	if err := fontdb.LoadFontData(dejavusansmono.TTF); err != nil {
		return err
	}
	tree, err := worker.NewTreeFromData(svg, &resvg.Options{
		Dpi:                96,
		ShapeRenderingMode: resvg.ShapeRenderingModeCrispEdges,
		TextRenderingMode:  resvg.TextRenderingModeOptimizeLegibility,
		ImageRenderingMode: resvg.ImageRenderingModeOptimizeQuality,
		DefaultSizeWidth:   float32(w),
		DefaultSizeHeight:  float32(h),
	})
	if err != nil {
		return err
	}
	defer tree.Close()
	if err := tree.ConvertText(fontdb); err != nil {
		return err
	}
	pw, ph := uint32(float32(w)*scale+0.5), uint32(float32(h)*scale+0.5)
	pixmap, err := worker.NewPixmap(pw, ph)
	if err != nil {
		return err
	}
	defer pixmap.Close()
	if err := tree.Render(resvg.TransformFromScale(scale, scale), pixmap); err != nil {
		return err
	}
	raw, err := pixmap.EncodePNG()
	if err != nil {
		return err
	}
	// Re-encode at best compression, which keeps the pictures small enough
	// to commit. Only the window's rounded corners are transparent; Go
	// writes RGB instead of RGBA when nothing is.
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return err
	}
	return os.WriteFile(out, buf.Bytes(), 0o644)
}
