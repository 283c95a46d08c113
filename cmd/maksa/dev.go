package main

import (
	"crypto/rand"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"maksa"
	"maksa/internal/test/testgen"
)

func (m *Main) devCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "dev", Short: "Developer tools: generate test and demo files", Hidden: true}
	var (
		spec    testgen.Spec
		out     string
		format  string
		date    string
		debtors []string
		dirOut  string
		user    string
	)
	gen := &cobra.Command{
		Use:   "gen --out FILE",
		Short: "Write a realistic payment file (pain.001, CSV or XLSX) of --count payments",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			spec.Date = maksa.Day(m.now())
			if date != "" {
				d, err := time.Parse(maksa.DateLayout, date)
				if err != nil {
					return usageErrorf("--date %q: %v", date, err)
				}
				spec.Date = d
			}
			if spec.MessageID == "" {
				// The time and a random part: two files made under one fixed
				// MAKSA_NOW are still two files, not a DU01 and an AM05.
				var nonce [2]byte
				rand.Read(nonce[:])
				spec.MessageID = fmt.Sprintf("GEN-%s-%d-%x", m.now().Format("20060102150405"), spec.Count, nonce)
			}
			if !cmd.Flags().Changed("seed") { // the same message id, the same payments
				h := fnv.New64a()
				h.Write([]byte(spec.MessageID))
				spec.Seed = h.Sum64()
			}
			spec.DebtorIBANs = debtors
			if spec.Invalid < 0 || spec.Invalid > 1 {
				return usageErrorf("--invalid %g: a share between 0 and 1", spec.Invalid)
			}
			if err := os.MkdirAll(filepath.Dir(out), 0o750); err != nil {
				return err
			}
			f, err := os.Create(out)
			if err != nil {
				return err
			}
			write := map[string]func(io.Writer) error{"pain001": spec.WritePain001, "csv": spec.WriteCSV, "xlsx": spec.WriteXLSX}[format]
			if write == nil {
				f.Close()
				return usageErrorf("--format must be pain001, csv or xlsx")
			}
			if err := write(f); err != nil {
				f.Close()
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
			if dirOut == "" {
				return nil
			}
			d, err := os.Create(dirOut)
			if err != nil {
				return err
			}
			if err := spec.WriteDirectory(d, user); err != nil {
				d.Close()
				return err
			}
			return d.Close()
		},
	}
	gen.Flags().IntVar(&spec.Count, "count", 10, "number of payments")
	gen.Flags().IntVar(&spec.PerInfo, "per-info", 1000, "payments per PmtInf block")
	gen.Flags().IntVar(&spec.Version, "version", 3, "pain.001.001 version: 3, 9, 10 or 11")
	gen.Flags().Float64Var(&spec.Invalid, "invalid", 0, "share of payments (0..1) given one defect each, in turn AC03, AM01, AM12, RC01, RR03, RR10")
	gen.Flags().StringVar(&dirOut, "directory", "", "also write a directory YAML the file imports under, for --user")
	gen.Flags().StringVar(&user, "user", "gramatvediba", "the importing user of --directory")
	gen.Flags().Uint64Var(&spec.Seed, "seed", 1, "random seed (default: one made from the message id)")
	gen.Flags().StringVar(&spec.MessageID, "message-id", "", "message id (default: derived from the time)")
	gen.Flags().StringVar(&date, "date", "", "requested execution date (default: today)")
	gen.Flags().StringSliceVar(&debtors, "debtor", nil, "debtor IBANs, used round robin per PmtInf (default LV21TREL9160100000000)")
	gen.Flags().StringVar(&out, "out", "", "output file")
	gen.Flags().StringVar(&format, "format", "pain001", "pain001, csv (Windows-1257, ';', decimal comma) or xlsx")
	gen.MarkFlagRequired("out")
	cmd.AddCommand(gen)
	return cmd
}
