package cmd

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"go.yaml.in/yaml/v3"
)

// checkRepeatedKeys rejects a config that gives one key twice in the same
// table, where viper would keep one of the values without a word. Keys are
// compared in lower case, as viper reads them, so "Integrity" repeats
// "integrity". It returns where the repeat is, as a dotted path such as
// trails[0].integrity.
func checkRepeatedKeys(ext string, data []byte) error {
	if ext == "json" {
		return jsonRepeatedKeys(json.NewDecoder(bytes.NewReader(data)), "")
	}
	var tree any
	var err error
	if ext == "toml" {
		err = toml.Unmarshal(data, &tree)
	} else {
		err = yaml.Unmarshal(data, &tree)
	}
	if err != nil {
		return nil // the reader reports the syntax error with its position
	}
	return treeRepeatedKeys(tree, "")
}

func keyPath(at, key string) string {
	if at == "" {
		return key
	}
	return at + "." + key
}

// repeatError names the key given twice.
func repeatError(at, key string) error {
	return fmt.Errorf("%s: key given more than once (keys are compared in any letter case)",
		keyPath(at, key))
}

// jsonRepeatedKeys walks the JSON value the decoder is at.
func jsonRepeatedKeys(dec *json.Decoder, at string) error {
	tok, err := dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		return nil // the reader reports the syntax error
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		for dec.More() {
			keyTok, err := dec.Token()
			if err != nil {
				return nil
			}
			key, _ := keyTok.(string)
			if seen[strings.ToLower(key)] {
				return repeatError(at, key)
			}
			seen[strings.ToLower(key)] = true
			if err := jsonRepeatedKeys(dec, keyPath(at, key)); err != nil {
				return err
			}
		}
		_, _ = dec.Token()
	case json.Delim('['):
		for i := 0; dec.More(); i++ {
			if err := jsonRepeatedKeys(dec, fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
		_, _ = dec.Token()
	}
	return nil
}

// treeRepeatedKeys looks for keys that differ only in letter case in a
// decoded YAML or TOML value; their parsers reject exact repeats.
func treeRepeatedKeys(v any, at string) error {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		seen := map[string]bool{}
		for _, k := range keys {
			if seen[strings.ToLower(k)] {
				return repeatError(at, k)
			}
			seen[strings.ToLower(k)] = true
			if err := treeRepeatedKeys(v[k], keyPath(at, k)); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range v {
			if err := treeRepeatedKeys(e, fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
	}
	return nil
}
