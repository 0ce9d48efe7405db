package bench

import (
	"fmt"
	"time"
)

// providers are the four services, in report order.
var providers = []string{"filesro", "quatrix", "twake", "selfcommunity"}

// addTarget makes target name of kind provider pointing at sb in env, at
// the provider's default settings plus extra flags; the secret is piped
// in as a script would.
func addTarget(env ferryEnv, sb *sandboxProc, provider, name string, extra ...string) error {
	args := []string{"target", "add", "--no-test", "--name", name, "--kind", provider, "--url", sb.base, "--secret-stdin"}
	var secret string
	var err error
	switch provider {
	case "filesro":
		secret, err = sb.credential("filesro", "share-token", "editor")
	case "quatrix":
		secret, err = sb.credential("quatrix", "api-key", "user@example.com")
	case "twake":
		secret, err = sb.credential("twake", "token", "jwt")
		if sb.companyID == "" {
			return fmt.Errorf("add twake target: the sandbox printed no company id")
		}
		args = append(args, "--company-id", sb.companyID, "--keep-path-in-name")
	case "selfcommunity":
		// Each file goes to one recipient as a private message: the
		// service's use, and what the curl baseline sends (curlSmall).
		secret, err = sb.credential("selfcommunity", "token", "alice")
		var to string
		if err == nil {
			to, err = sb.credential("selfcommunity", "recipient", "bob")
		}
		args = append(args, "--dialect", "plain", "--recipients", to)
	default:
		return fmt.Errorf("add target: unknown provider %q", provider)
	}
	if err != nil {
		return fmt.Errorf("add %s target: %w", provider, err)
	}
	_, _, err = env.run(time.Minute, secret+"\n", append(args, extra...)...)
	return err
}
