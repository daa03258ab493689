package cloudapi

import (
	"errors"

	"github.com/alibabacloud-go/tea/tea"
	"github.com/aliyun/credentials-go/credentials"
	"github.com/aliyun/credentials-go/credentials/providers"
)

// resolveCredentials builds the credential and asks it once for a key, so that a broken setup fails at start-up
// with every source's cause (see chain). It returns the provider that won, never the key. Every value the
// credential hands out is recorded in sec.
//
// Without a profile it is credentials-go's default chain: environment, OIDC, the aliyun CLI profile
// (~/.aliyun/config.json, ALIBABA_CLOUD_PROFILE or the file's current profile), the shared credentials file,
// ECS RAM role, credentials URI. With a profile, only the two profile files are consulted, for that profile:
// a user naming a profile means that one, not whatever the environment holds.
func resolveCredentials(profile string, sec *secrets) (credentials.Credential, string, error) {
	var c *chain
	if profile == "" {
		c = defaultChain(sec)
	} else {
		var err error
		if c, err = profileChain(profile, sec); err != nil {
			return nil, "", err
		}
	}
	cred := credentials.FromCredentialsProvider(c.GetProviderName(), c)
	model, err := cred.GetCredential()
	if err != nil {
		return nil, "", err
	}
	if tea.StringValue(model.AccessKeyId) == "" && tea.StringValue(model.BearerToken) == "" {
		return nil, "", errors.New("credentials: the credential chain gave an empty access key")
	}
	return cred, tea.StringValue(model.ProviderName), nil
}

// staticCredentials is a credential of one fixed key; its provider is named "static".
func staticCredentials(k AccessKey, sec *secrets) (credentials.Credential, string, error) {
	p, err := staticProvider(k, sec)
	if err != nil {
		return nil, "", err
	}
	return credentials.FromCredentialsProvider("static", p), "static", nil
}

// staticProvider is the provider of one fixed key, its values recorded in sec. The error names no key id:
// the id of a key given without its secret is half of a credential still.
func staticProvider(k AccessKey, sec *secrets) (providers.CredentialsProvider, error) {
	if k.Secret == "" {
		return nil, &CredentialError{Provider: "static", Cause: "the access key has no secret"}
	}
	sec.add(k.ID, k.Secret)
	p, err := providers.NewStaticAKCredentialsProviderBuilder().WithAccessKeyId(k.ID).WithAccessKeySecret(k.Secret).Build()
	if err != nil {
		return nil, credentialError("static", err)
	}
	return &guardedProvider{name: "static", inner: p, secrets: sec}, nil
}
