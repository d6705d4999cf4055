package cmd

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/auditgate/auditgate/checkpoint"
	"github.com/spf13/viper"
)

// checkpointKeys are the fields of the config's checkpoint section.
var checkpointKeys = []string{"key", "origin", "dir", "every_entries", "every"}

// checkpointConfig is the config's checkpoint section: the defaults of the
// checkpoint command, and when record writes checkpoints by itself.
type checkpointConfig struct {
	keys     []string // signer key files
	origin   string   // the log's name; "" for the default
	dir      string   // where record writes checkpoints
	schedule checkpoint.Schedule
}

// checkpointSettings reads the checkpoint section from the file's raw
// settings and the environment (AUDITGATE_CHECKPOINT_KEY, ...). With
// every_entries or every set, record writes checkpoints by itself, and key
// and dir are required.
func checkpointSettings(v *viper.Viper, raw map[string]any, path string) (checkpointConfig,
	error) {
	var c checkpointConfig
	where := func(key string) string { return configWhere(path, "checkpoint."+key) }
	if section, ok := raw["checkpoint"]; ok {
		m, ok := section.(map[string]any)
		if !ok {
			return c, usageErrorf("%s: want a mapping of %s", configWhere(path, "checkpoint"),
				strings.Join(checkpointKeys, ", "))
		}
		for _, key := range sortedKeys(m) {
			if !contains(checkpointKeys, key) {
				return c, usageError(fmt.Errorf("%s: unknown key", where(key)),
					"checkpoint fields are "+strings.Join(checkpointKeys, ", "))
			}
		}
	}
	get := func(key string) any { return v.Get("checkpoint." + key) }

	switch k := get("key").(type) {
	case nil:
	case string:
		c.keys = []string{k}
	case []any:
		for _, item := range k {
			s, ok := item.(string)
			if !ok || s == "" {
				return c, usageErrorf("%s: want a key file or a list of them", where("key"))
			}
			c.keys = append(c.keys, s)
		}
	default:
		return c, usageErrorf("%s: want a key file or a list of them", where("key"))
	}
	for _, key := range []string{"origin", "dir"} {
		if val := get(key); val != nil {
			if _, ok := val.(string); !ok {
				return c, usageErrorf("%s: want a string", where(key))
			}
		}
	}
	c.origin, _ = get("origin").(string)
	c.dir, _ = get("dir").(string)
	if c.origin != "" {
		if err := checkpoint.CheckOrigin(c.origin); err != nil {
			return c, usageErrorf("%s: %v", where("origin"), err)
		}
	}
	n, err := wholeNumber(get("every_entries"))
	if err != nil {
		return c, usageErrorf("%s: %v", where("every_entries"), err)
	}
	c.schedule.EveryEntries = n
	if val := get("every"); val != nil {
		s, _ := val.(string)
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return c, usageErrorf("%s: want a duration such as 30m or 24h, found %v",
				where("every"), val)
		}
		c.schedule.Every = d
	}
	if c.schedule.Enabled() && (len(c.keys) == 0 || c.dir == "") {
		return c, usageError(fmt.Errorf("%s: every_entries or every needs key and dir too",
			configWhere(path, "checkpoint")), "set checkpoint.key to a signer key file and "+
			"checkpoint.dir to the directory record writes checkpoints into")
	}
	return c, nil
}

// wholeNumber reads a positive count from YAML, TOML, JSON or the
// environment; nil is 0.
func wholeNumber(val any) (int64, error) {
	var n int64
	switch x := val.(type) {
	case nil:
		return 0, nil
	case int:
		n = int64(x)
	case int64:
		n = x
	case float64:
		if x != math.Trunc(x) || x > math.MaxInt64 {
			return 0, fmt.Errorf("want a whole number, found %v", x)
		}
		n = int64(x)
	case string:
		var err error
		if n, err = strconv.ParseInt(x, 10, 64); err != nil {
			return 0, fmt.Errorf("want a whole number, found %q", x)
		}
	default:
		return 0, fmt.Errorf("want a whole number, found %v", val)
	}
	if n < 1 {
		return 0, fmt.Errorf("want at least 1, found %d", n)
	}
	return n, nil
}
