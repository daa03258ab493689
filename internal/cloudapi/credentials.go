package cloudapi

import (
	"errors"
	"fmt"
	"strings"

	"github.com/alibabacloud-go/tea/tea"
	"github.com/aliyun/credentials-go/credentials"
	"github.com/aliyun/credentials-go/credentials/providers"
)

// resolveCredentials builds the credential and asks it once for a key, so that a broken setup fails at start-up
// with the whole chain's message (the default chain only says so on its first failure; later calls repeat
// the last provider's error alone). It returns the provider that won, never the key.
//
// Without a profile it is credentials-go's default chain: environment, OIDC, the aliyun CLI profile
// (~/.aliyun/config.json, ALIBABA_CLOUD_PROFILE or the file's current profile), the shared credentials file,
// ECS RAM role, credentials URI. With a profile, only the two profile files are consulted, for that profile:
// a user naming a profile means that one, not whatever the environment holds.
func resolveCredentials(profile string) (credentials.Credential, string, error) {
	var cred credentials.Credential
	if profile == "" {
		var err error
		cred, err = credentials.NewCredential(nil)
		if err != nil {
			return nil, "", fmt.Errorf("credentials: %w", err)
		}
	} else {
		chain, err := newProfileChain(profile)
		if err != nil {
			return nil, "", err
		}
		cred = credentials.FromCredentialsProvider("profile", chain)
	}
	model, err := cred.GetCredential()
	if err != nil {
		return nil, "", fmt.Errorf("credentials: %w", err)
	}
	if tea.StringValue(model.AccessKeyId) == "" && tea.StringValue(model.BearerToken) == "" {
		return nil, "", errors.New("credentials: the credential chain gave an empty access key")
	}
	return cred, tea.StringValue(model.ProviderName), nil
}

// staticCredentials is a credential of one fixed key; its provider is named "static".
func staticCredentials(k AccessKey) (credentials.Credential, string, error) {
	if k.Secret == "" {
		return nil, "", errors.New("credentials: the access key " + k.ID + " has no secret")
	}
	p, err := providers.NewStaticAKCredentialsProviderBuilder().WithAccessKeyId(k.ID).WithAccessKeySecret(k.Secret).Build()
	if err != nil {
		return nil, "", fmt.Errorf("credentials: %w", err)
	}
	return credentials.FromCredentialsProvider("static", p), "static", nil
}

// profileChain tries the aliyun CLI profile and then the shared credentials file, both for one named profile.
type profileChain struct {
	name      string
	providers []providers.CredentialsProvider
}

func newProfileChain(profile string) (*profileChain, error) {
	c := &profileChain{name: profile}
	cli, err := providers.NewCLIProfileCredentialsProviderBuilder().WithProfileName(profile).Build()
	if err == nil {
		c.providers = append(c.providers, cli)
	}
	ini, err := providers.NewProfileCredentialsProviderBuilder().WithProfileName(profile).Build()
	if err == nil {
		c.providers = append(c.providers, ini)
	}
	if len(c.providers) == 0 {
		return nil, fmt.Errorf("credentials: profile %q: no profile source is enabled (ALIBABA_CLOUD_CLI_PROFILE_DISABLED?)", profile)
	}
	return c, nil
}

func (c *profileChain) GetCredentials() (*providers.Credentials, error) {
	var msgs []string
	for _, p := range c.providers {
		cc, err := p.GetCredentials()
		if err != nil {
			msgs = append(msgs, err.Error())
			continue
		}
		name := cc.ProviderName
		if name == "" {
			name = p.GetProviderName()
		}
		out := *cc
		out.ProviderName = "profile/" + name
		return &out, nil
	}
	return nil, fmt.Errorf("unable to get credentials for profile %q from any source: %s", c.name, strings.Join(msgs, "; "))
}

func (c *profileChain) GetProviderName() string { return "profile" }
