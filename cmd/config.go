package cmd

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/auditgate/auditgate/core"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// defaultConfigFile is read when neither --config nor $AUDITGATE_CONFIG
// names a config and it exists in the working directory.
const defaultConfigFile = "auditgate.yaml"

// config is what the config file, the environment and the flags say, with
// flags over environment over file over built-in defaults.
type config struct {
	file       string // the config file read, "" when none
	store      string
	recordedBy string
	policies   *core.Policies
	// policySet says whether anything but the built-in defaults set a
	// policy; verify then checks entries against it.
	policySet bool
	// checkpoint is the checkpoint section; see checkpointSettings.
	checkpoint checkpointConfig
}

var policyKeys = []string{"mode", "on_store_error", "min_severity", "retention", "integrity"}

// loadConfig reads the configuration for a command whose flags are fs.
func (g *globals) loadConfig(fs *pflag.FlagSet) (*config, error) {
	v := viper.New()
	cfg := &config{policies: core.NewPolicies()}

	path, explicit := g.configPath, g.configPath != ""
	if path == "" {
		path, explicit = os.Getenv("AUDITGATE_CONFIG"), os.Getenv("AUDITGATE_CONFIG") != ""
	}
	if path == "" {
		if _, err := os.Stat(defaultConfigFile); err == nil {
			path = defaultConfigFile
		}
	}
	var raw map[string]any
	if path != "" {
		var err error
		if raw, err = readConfigFile(v, path, explicit); err != nil {
			return nil, err
		}
		cfg.file = path
	}
	if err := checkKeys(raw, path); err != nil {
		return nil, err
	}

	v.SetEnvPrefix("AUDITGATE")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()
	v.SetDefault("store", "audit.jsonl")
	v.SetDefault("recorded_by", defaultRecordedBy())
	if f := fs.Lookup("store"); f != nil {
		_ = v.BindPFlag("store", f)
	}
	if f := fs.Lookup("recorded-by"); f != nil {
		_ = v.BindPFlag("recorded_by", f)
	}
	cfg.store = v.GetString("store")
	cfg.recordedBy = v.GetString("recorded_by")
	if cfg.store == "" {
		return nil, usageErrorf("the store path is empty")
	}
	if !utf8.ValidString(cfg.recordedBy) {
		return nil, usageErrorf("recorded_by %q is not valid UTF-8 text", cfg.recordedBy)
	}

	defaults := cfg.policies.Defaults
	for _, key := range policyKeys {
		full := "defaults." + key
		if !v.IsSet(full) {
			continue
		}
		where := configWhere(path, full)
		if env := "AUDITGATE_DEFAULTS_" + strings.ToUpper(key); os.Getenv(env) != "" {
			where = "environment " + env
		}
		if err := setPolicyField(&defaults, key, v.Get(full), where); err != nil {
			return nil, err
		}
		cfg.policySet = true
		cfg.policies.DefaultsOrigin = "defaults"
		if cfg.file != "" {
			cfg.policies.DefaultsOrigin = "defaults in " + cfg.file
		}
	}
	cfg.policies.Defaults = defaults

	rules, err := trailRules(raw["trails"], defaults, path)
	if err != nil {
		return nil, err
	}
	cfg.policies.Rules = rules
	cfg.policySet = cfg.policySet || len(rules) > 0
	if cfg.checkpoint, err = checkpointSettings(v, raw, path); err != nil {
		return nil, err
	}
	return cfg, nil
}

// logs returns the logs a reading command was given, or the store when
// none was.
func (cfg *config) logs(args []string) []string {
	if len(args) == 0 {
		return []string{cfg.store}
	}
	return args
}

// readConfigFile reads a YAML, TOML or JSON config into v and returns its
// settings. A config named explicitly must exist.
func readConfigFile(v *viper.Viper, path string, explicit bool) (map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && !explicit {
			return nil, nil
		}
		if errors.Is(err, syscall.EISDIR) {
			err = errors.New("is a directory, not a config file")
		}
		return nil, usageError(fmt.Errorf("read config %s: %w", path, unwrapPathErr(err)),
			"pass --config PATH, set AUDITGATE_CONFIG, or remove the setting")
	}
	ext := strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	switch ext {
	case "yaml", "yml", "toml", "json":
	default:
		return nil, usageErrorf("config %s: unknown format %q (want .yaml, .yml, .toml or .json)",
			path, filepath.Ext(path))
	}
	if err := checkRepeatedKeys(ext, data); err != nil {
		return nil, usageErrorf("config %s: %v", path, err)
	}
	v.SetConfigType(ext)
	if err := v.ReadConfig(bytes.NewReader(data)); err != nil {
		return nil, usageErrorf("read config %s: %v", path, err)
	}
	return v.AllSettings(), nil
}

func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func configWhere(path, key string) string {
	if path == "" {
		return key
	}
	return fmt.Sprintf("config %s: %s", path, key)
}

// checkKeys rejects keys the config format does not have.
func checkKeys(raw map[string]any, path string) error {
	top := map[string]bool{"store": true, "recorded_by": true, "defaults": true, "trails": true,
		"checkpoint": true}
	for _, key := range sortedKeys(raw) {
		if !top[key] {
			return usageError(fmt.Errorf("%s: unknown key", configWhere(path, key)),
				"the config keys are store, recorded_by, defaults, trails and checkpoint")
		}
	}
	if d, ok := raw["defaults"]; ok {
		m, ok := d.(map[string]any)
		if !ok {
			return usageErrorf("%s: want a mapping of policy fields", configWhere(path, "defaults"))
		}
		for _, key := range sortedKeys(m) {
			if !isPolicyKey(key) {
				return usageError(fmt.Errorf("%s: unknown key", configWhere(path, "defaults."+key)),
					"policy fields are "+strings.Join(policyKeys, ", "))
			}
		}
	}
	for _, key := range []string{"store", "recorded_by"} {
		if val, ok := raw[key]; ok {
			if _, isString := val.(string); !isString {
				return usageErrorf("%s: want a string", configWhere(path, key))
			}
		}
	}
	return nil
}

func isPolicyKey(key string) bool {
	for _, k := range policyKeys {
		if k == key {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// trailRules reads the ordered list of trail rules. Fields a rule leaves
// out come from the defaults.
func trailRules(val any, defaults core.Policy, path string) ([]core.Rule, error) {
	if val == nil {
		return nil, nil
	}
	list, ok := val.([]any)
	if !ok {
		return nil, usageErrorf("%s: want a list of rules", configWhere(path, "trails"))
	}
	rules := make([]core.Rule, 0, len(list))
	for i, item := range list {
		name := fmt.Sprintf("trails[%d]", i)
		m, ok := item.(map[string]any)
		if !ok {
			return nil, usageErrorf("%s: want a mapping with match and policy fields",
				configWhere(path, name))
		}
		rule := core.Rule{Policy: defaults, Origin: name}
		for _, key := range sortedKeys(m) {
			where := configWhere(path, name+"."+key)
			switch {
			case strings.ToLower(key) == "match":
				s, ok := m[key].(string)
				if !ok || s == "" {
					return nil, usageErrorf("%s: want a glob such as \"billing:*@user:*\"", where)
				}
				if err := core.CheckGlob(s); err != nil {
					return nil, usageErrorf("%s: %v", where, err)
				}
				rule.Match = s
			case isPolicyKey(key):
				if err := setPolicyField(&rule.Policy, key, m[key], where); err != nil {
					return nil, err
				}
			default:
				return nil, usageError(fmt.Errorf("%s: unknown key", where),
					"a rule has match and the policy fields "+strings.Join(policyKeys, ", "))
			}
		}
		if rule.Match == "" {
			return nil, usageErrorf("%s: missing match (a glob over the trail)",
				configWhere(path, name))
		}
		rule.Origin = fmt.Sprintf("%s (match %q)", name, rule.Match)
		if path != "" {
			rule.Origin += " in " + path
		}
		rules = append(rules, rule)
	}
	return rules, nil
}

// setPolicyField parses one policy field's value into p.
func setPolicyField(p *core.Policy, key string, val any, where string) error {
	s, ok := val.(string)
	if !ok {
		return usageErrorf("%s: want a string, found %v", where, val)
	}
	var err error
	switch key {
	case "mode":
		p.Mode, err = core.ParseMode(s)
	case "on_store_error":
		p.OnStoreError, err = core.ParseStoreErrorMode(s)
	case "min_severity":
		p.MinSeverity, err = core.ParseSeverity(s)
	case "retention":
		p.Retention, err = core.ParseRetention(s)
	case "integrity":
		p.Integrity, err = core.ParseIntegrityMode(s)
	}
	if err != nil {
		return usageErrorf("%s: %v", where, err)
	}
	return nil
}

// defaultRecordedBy returns user@host for the current process.
func defaultRecordedBy() string {
	name := "unknown"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	return name + "@" + host
}
