package config

import (
	"errors"
	"strings"
	"testing"
)

const tgt = "[[target]]\nname = \"work\"\nkind = \"quatrix\"\nbase_url = \"https://q.example\"\n"

// validationCases double as fuzz seeds (FuzzConfig).
var validationCases = []struct {
	name   string
	doc    string
	line   int    // line of the first problem
	msg    string // substring of the first problem
	secret bool   // also matches ErrSecretInConfig
}{
	{"syntax", "[[target]]\nname = \"a\nkind = 1\n", 2, "", false},
	{"unknown top", "colour = \"red\"\n", 1, `unknown key "colour"`, false},
	{"unknown in target", tgt + "flavour = 1\n", 5, `unknown key "target.flavour"`, false},
	{"unknown table", "[gui]\nx = 1\n", 1, `unknown key "gui"`, false},
	{"token in target", tgt + "share_token = \"abc\"\n", 5, `target "work": share_token looks like a secret`, true},
	{"password top", "password = \"hunter2\"\n", 1, "password looks like a secret", true},
	{"api key in transfer", "[transfer]\napi_key = \"k\"\n", 2, "[transfer] api_key looks like a secret", true},
	{"jwt second target", tgt + tgt + "jwt = \"e\"\n", 9, `target "work": jwt looks like a secret`, true},
	{
		"http remote", strings.Replace(tgt, "https://q.example", "http://q.example", 1), 4,
		`target "work": base_url must be https:// or http://127.0.0.1`, false,
	},
	{
		"url with user", strings.Replace(tgt, "https://q.example", "https://me:pw@q.example", 1), 4,
		"must not carry a user name or password", false,
	},
	{"relative url", strings.Replace(tgt, "https://q.example", "q.example", 1), 4, "not an absolute URL", false},
	{"missing url", "[[target]]\nname = \"w\"\nkind = \"filesro\"\n", 1, `target "w": base_url is missing`, false},
	{"bad kind", "[[target]]\nname = \"w\"\nkind = \"ftp\"\n", 3, "kind must be one of quatrix, twake, filesro, selfcommunity", false},
	{"missing name", "[[target]]\nkind = \"filesro\"\nbase_url = \"https://f\"\n", 1, "target #1: name is missing", false},
	{"bad name", "[[target]]\nname = \"a/b\"\nkind = \"filesro\"\nbase_url = \"https://f\"\n", 2, "name may use only", false},
	{"duplicate name", tgt + tgt, 6, `target "work": name is used twice`, false},
	{"foreign key", tgt + "company_id = \"c\"\n", 5, "company_id is not a quatrix setting", false},
	{"foreign bool", tgt + "protected = true\n", 5, "protected is not a quatrix setting", false},
	{"foreign selfcommunity bool", tgt + "no_md5 = true\n", 5, "no_md5 is not a quatrix setting", false},
	{"quatrix auth", tgt + "auth = \"oauth\"\n", 5, `auth must be "apikey" or "password"`, false},
	{"quatrix password no email", tgt + "auth = \"password\"\n", 5, "needs email", false},
	{"link pin without links", tgt + "link_pin = true\n", 5, `target "work": link_pin needs public_links = true`, false},
	{"link pin is the pin", tgt + "public_links = true\nlink_pin = \"4711\"\n", 6, `target "work": link_pin must be true or false; the PIN itself is a secret`, true},
	{"link pin foreign", "[[target]]\nname = \"t\"\nkind = \"twake\"\nbase_url = \"https://t\"\ncompany_id = \"c\"\nlink_pin = true\n", 6, "link_pin is not a twake setting", false},
	{"twake no company", "[[target]]\nname = \"t\"\nkind = \"twake\"\nbase_url = \"https://t\"\n", 1, "company_id is missing", false},
	{"twake parallel", "[[target]]\nname = \"t\"\nkind = \"twake\"\nbase_url = \"https://t\"\ncompany_id = \"c\"\nparallel_chunks = 999\n", 6, "parallel_chunks must be 1 to 64", false},
	{"dialect", "[[target]]\nname = \"s\"\nkind = \"selfcommunity\"\nbase_url = \"https://s\"\ndialect = \"xml\"\n", 5, `dialect must be "plain" or "qq"`, false},
	{"pin not hex", tgt + "tls_pin_sha256 = \"zz\"\n", 5, "tls_pin_sha256 must be a SHA-256 fingerprint", false},
	{"bad size", tgt + "chunk_size = \"lots\"\n", 5, `"lots" is not a size`, false},
	{"negative size", tgt + "chunk_size = -5\n", 5, "negative", false},
	{"bad duration", "[transfer]\nstall_timeout = \"soon\"\n", 2, "not a duration", false},
	{"short stall", "[transfer]\nstall_timeout = \"1s\"\n", 2, "stall_timeout must be at least 5s", false},
	{"parallel files", "[transfer]\nparallel_files = 1000\n", 2, "parallel_files must be 1 to 64", false},
	{"bad rate", "[transfer]\nbandwidth_limit = \"fast\"\n", 2, "not a size", false},
	{"bad schedule time", "[transfer]\nbandwidth_schedule = \"8:00,512k\"\n", 2, `[transfer] bandwidth_schedule: in "8:00,512k": "8:00" is not a time`, false},
	{"bad schedule day", "[transfer]\nparallel_files = 2\nbandwidth_schedule = \"Mun-Fri 08:00,1M\"\n", 3, `not a day`, false},
	{"schedule and limit", "[transfer]\nbandwidth_limit = \"1MB\"\nbandwidth_schedule = \"08:00,1M 18:00,off\"\n", 3, "bandwidth_schedule and bandwidth_limit are both set", false},
	{"metered not bool", tgt + "pause_on_metered = \"yes\"\n", 5, "pause_on_metered", false},
	{"wrong type", tgt + "email = 5\n", 5, "email", false},
	{"folder unknown target", "[[folder]]\nname = \"f\"\npath = \"" + fixtureRoot + "/x\"\ntarget = \"nope\"\n", 4, `folder "f": target "nope" is not defined`, false},
	{"folder relative path", tgt + "[[folder]]\nname = \"f\"\npath = \"x\"\ntarget = \"work\"\n", 7, "path must be absolute", false},
	{"folder conflict", tgt + "[[folder]]\nname = \"f\"\npath = \"" + fixtureRoot + "/x\"\ntarget = \"work\"\nconflict = \"merge\"\n", 9, "conflict must be rename, overwrite or skip", false},
	{"folder dotdot", tgt + "[[folder]]\nname = \"f\"\npath = \"" + fixtureRoot + "/x\"\ntarget = \"work\"\nremote_dir = \"a/../b\"\n", 9, `remote_dir must not contain ".."`, false},
	{"secrets spec", "secrets = \"vault\"\n", 1, `secrets must be "keyring", "env" or "file:PATH"`, false},
	{"comment and multiline", "# c\n" + tgt + "email = \"\"\"\nkind = x\n\"\"\"\nbogus = 1\n", 9, `unknown key "target.bogus"`, false},
}

func TestValidationMessages(t *testing.T) {
	for _, tc := range validationCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.doc), "config.toml")
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want *Error", err)
			}
			p := ce.Problems[0]
			if p.Line != tc.line {
				t.Errorf("line = %d (%s), want %d", p.Line, p.Msg, tc.line)
			}
			if !strings.Contains(p.Msg, tc.msg) {
				t.Errorf("message = %q, want it to contain %q", p.Msg, tc.msg)
			}
			if errors.Is(err, ErrSecretInConfig) != tc.secret {
				t.Errorf("errors.Is(ErrSecretInConfig) = %v, want %v", !tc.secret, tc.secret)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Error("error does not match ErrInvalid")
			}
		})
	}
}

func TestSecretMessageSaysWhatToDo(t *testing.T) {
	_, err := Parse([]byte(tgt+"api_key = \"k-123\"\n"), "config.toml")
	if err == nil || !strings.Contains(err.Error(), "ferry target add") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "k-123") {
		t.Error("the secret value is echoed in the message")
	}
	if strings.Contains(err.Error(), "unknown key") {
		t.Error("a secret key is reported twice (also as unknown)")
	}
}

func TestAllProblemsReported(t *testing.T) {
	doc := "[[target]]\nname = \"a\"\nkind = \"quatrix\"\nbase_url = \"ftp://x\"\n" +
		"[[folder]]\nname = \"f\"\npath = \"rel\"\ntarget = \"zz\"\n"
	_, err := Parse([]byte(doc), "config.toml")
	var ce *Error
	if !errors.As(err, &ce) || len(ce.Problems) != 3 {
		t.Fatalf("problems = %v", err)
	}
	want := []int{4, 7, 8}
	for i, p := range ce.Problems {
		if p.Line != want[i] {
			t.Errorf("problem %d line = %d, want %d (%s)", i, p.Line, want[i], p.Msg)
		}
	}
}

func TestValidateInCode(t *testing.T) {
	c := &Config{Targets: []Target{{Name: "w", Kind: KindFilesRo, BaseURL: "https://f"}}}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	c.Folders = append(c.Folders, Folder{Name: "f", Path: fx("/p"), Target: "gone"})
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), `config: folder "f": target "gone"`) {
		t.Fatalf("err = %v", err)
	}
}

// link_pin holds only whether a PIN is asked for: true parses (with public
// links), and a PIN written there is refused without being quoted.
func TestLinkPinSwitch(t *testing.T) {
	cfg, err := Parse([]byte(tgt+"public_links = true\nlink_pin = true\n"), "config.toml")
	if err != nil || !cfg.Targets[0].LinkPin {
		t.Fatalf("link_pin = true: %v", err)
	}
	_, err = Parse([]byte(tgt+"public_links = true\nlink_pin = \"4711\"\n"), "config.toml")
	if !errors.Is(err, ErrSecretInConfig) || strings.Contains(err.Error(), "4711") {
		t.Fatalf("a PIN in link_pin: %v; want ErrSecretInConfig, without the PIN", err)
	}
}
