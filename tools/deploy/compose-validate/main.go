// compose-validate loads a compose file the way `docker compose config` does — compose-go, the
// library Docker Compose itself uses: interpolation, validation against the compose-spec JSON
// schema, normalization and cross-reference checks (networks, volumes, secrets, depends_on) —
// and prints the normalized model. The Docker Compose CLI cannot be installed here (no engine,
// and `go install github.com/docker/compose/v5/cmd` is refused: its go.mod has exclude
// directives), so the deploy check runs this instead.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: compose-validate <compose file>...")
		os.Exit(2)
	}
	options, err := cli.NewProjectOptions(os.Args[1:], cli.WithOsEnv, cli.WithDotEnv, cli.WithName("signalpath"))
	if err != nil {
		fail(err)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		fail(err)
	}
	out, err := project.MarshalYAML()
	if err != nil {
		fail(err)
	}
	os.Stdout.Write(out)
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "compose-validate: %v\n", err)
	os.Exit(1)
}
