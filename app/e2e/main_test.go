package e2e

import (
	"os"
	"testing"

	"github.com/ferry-sync/ferry/app/internal/ferrytest"
)

// TestMain builds the ferry binary once for every test (ferrytest.Main),
// unless FERRY_E2E_BINARY or FERRY_TEST_BINARY names a prebuilt one.
func TestMain(m *testing.M) {
	os.Exit(ferrytest.Main(m, "e2e", os.Getenv("FERRY_E2E_BINARY")))
}
