package e2e

import (
	"testing"

	"github.com/ferry-sync/ferry/app/internal/ferrytest"
)

// selfCommunityTarget adds the SelfCommunity target of a sandbox as user
// alice, in the sandbox's dialect, sending each file to recipients when
// given (e.g. "12,13").
func selfCommunityTarget(t *testing.T, s *ferrytest.Sandbox, f *ferrytest.Env, dialect, recipients string) target {
	t.Helper()
	tg := target{name: "selfcommunity", api: "selfcommunity", dataRoute: "/api/v2/pm/upload/{$}"}
	flags := []string{"--dialect", dialect}
	if recipients == "" {
		tg.layout, tg.byName = selfCommunity(""), true
	} else {
		tg.layout = selfCommunity("users:" + recipients)
		flags = append(flags, "--recipients", recipients)
	}
	if s.Pin != "" {
		flags = append(flags, "--tls-pin", s.Pin)
	}
	addTarget(t, f, tg.name, "selfcommunity", s.Base, []string{s.MustCredential("selfcommunity", "token", "alice")}, flags...)
	return tg
}

func TestSelfCommunityPlainDialect(t *testing.T) {
	t.Parallel()
	s := ferrytest.StartSandbox(t, "--log-size", "100000", "--dialect", "plain")
	f := ferrytest.NewEnv(t, "")
	plainScenario(t, s, f, selfCommunityTarget(t, s, f, "plain", ""), 20<<20, 41)
}

// TestSelfCommunityQQDialectWithMessages uses the older qq field names and
// sends every file to two recipients, its path in the message.
func TestSelfCommunityQQDialectWithMessages(t *testing.T) {
	t.Parallel()
	s := ferrytest.StartSandbox(t, "--log-size", "100000", "--dialect", "qq")
	f := ferrytest.NewEnv(t, "")
	plainScenario(t, s, f, selfCommunityTarget(t, s, f, "qq", "12,13"), 20<<20, 42)
}

func TestSelfCommunityFaults(t *testing.T) {
	t.Parallel()
	s := ferrytest.StartSandbox(t, "--log-size", "100000", "--faults", faultSpec+",seed=43")
	f := ferrytest.NewEnv(t, "")
	faultScenario(t, s, f, selfCommunityTarget(t, s, f, "plain", "12"), 12<<20, 43)
}

func TestSelfCommunityKill(t *testing.T) {
	t.Parallel()
	s := ferrytest.StartSandbox(t, "--log-size", "100000", "--faults", "bw=20MB")
	f := ferrytest.NewEnv(t, "")
	killScenario(t, s, f, selfCommunityTarget(t, s, f, "plain", "12"), 20<<20, 44)
}
