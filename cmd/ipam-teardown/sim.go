package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/ipam-teardown/ipam-teardown/internal/ipamsim/topology"
)

func newSimCommand(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Run the local VPC IPAM emulator, or generate topologies for it",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newSimGenerateCommand(g))
	return cmd
}

func newSimGenerateCommand(g *globalOptions) *cobra.Command {
	var o topology.GenerateOptions
	var out string
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Write a generated topology of the requested size as YAML",
		Long: `Write a valid topology with balanced pool trees: --pools pools in trees of --depth levels with
--fan-out sub-pools each, --allocations-per-pool custom allocations in every pool, CIDRs carved inside
their parents. The same flags always give the same bytes.`,
		Example: `  ipam-teardown sim generate --pools 2000 --depth 3 --fan-out 10 --allocations-per-pool 3 -o big.yaml`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			topo, err := topology.Generate(o)
			if err != nil {
				return usageError{err}
			}
			data, err := topology.Marshal(topo)
			if err != nil {
				return err
			}
			if out == "" || out == "-" {
				_, err = g.stdout.Write(data)
				return err
			}
			if err := os.WriteFile(out, data, 0o644); err != nil {
				return fmt.Errorf("-o: %w", err)
			}
			return nil
		},
	}
	fs := cmd.Flags()
	fs.IntVar(&o.Pools, "pools", 100, "number of pools")
	fs.IntVar(&o.Depth, "depth", 3, "levels of each pool tree (1-10)")
	fs.IntVar(&o.FanOut, "fan-out", 4, "sub-pools of each pool above the last level (1-50)")
	fs.IntVar(&o.AllocationsPerPool, "allocations-per-pool", 0, "custom allocations in every pool (0-64)")
	fs.Int64Var(&o.Seed, "seed", 1, "seed of the CIDR layout and the tags")
	fs.BoolVar(&o.Shared, "shared", false, "add a consumer account with the top-level pools shared to it, one VPC in each")
	fs.StringVarP(&out, "output", "o", "", "file to write (default: stdout)")
	return cmd
}
