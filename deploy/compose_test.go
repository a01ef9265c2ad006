package deploy

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
)

// TestComposeFileIsValid loads docker-compose.yml with compose-go, the loader behind
// `docker compose config`, which validates it against the Compose specification.
func TestComposeFileIsValid(t *testing.T) {
	opts, err := cli.NewProjectOptions([]string{"docker-compose.yml"}, cli.WithWorkingDirectory("."), cli.WithName("hearth"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("docker compose config would refuse deploy/docker-compose.yml: %v", err)
	}
	hearth, ok := p.Services["hearth"]
	if !ok || hearth.Build == nil || hearth.Build.Dockerfile != "deploy/Dockerfile" {
		t.Fatalf("hearth service = %+v", hearth)
	}
	if _, ok := p.Services["db"]; !ok {
		t.Fatal("no db service")
	}
	for _, port := range hearth.Ports {
		if port.HostIP != "127.0.0.1" {
			t.Errorf("port %v published beyond loopback", port)
		}
	}
}

func TestDockerfileIsMultiStage(t *testing.T) {
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "\nFROM "); n < 2 {
		t.Fatalf("Dockerfile has %d stages after the first, want a multi-stage build", n)
	}
	if !strings.Contains(string(b), "USER nonroot") {
		t.Fatal("runtime image does not drop root")
	}
}
