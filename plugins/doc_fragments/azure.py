# Copyright: Contributors to the jobgate.cloud project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    # Azure connection options (plugins/module_utils/_azure/credentials.py AZURE_ARG_SPEC).
    DOCUMENTATION = r"""
options:
  auth_source:
    description:
      - Where the credentials come from.
      - V(auto) takes, in this order, the O(profile) option, explicit O(client_id) with O(secret) or
        O(x509_certificate_path), the environment (E(AZURE_PROFILE), or the service principal or workload identity
        variables), the C(default) profile of C(~/.azure/credentials), a managed identity whose endpoint the
        environment names (E(IDENTITY_ENDPOINT) with E(IDENTITY_HEADER) on App Service, with E(IMDS_ENDPOINT) on an
        Azure Arc-enabled server; E(MSI_ENDPOINT)), and finally the Azure CLI login. On such a host E(AZURE_CLIENT_ID)
        without a secret names a user-assigned identity.
      - V(env) reads only the environment; V(credential_file) reads only C(~/.azure/credentials) (profile O(profile),
        E(AZURE_PROFILE) or C(default)).
      - V(cli) uses the Azure CLI login (C(az account get-access-token), with O(tenant) when set).
      - V(msi) uses a managed identity, user-assigned when O(client_id) (or E(AZURE_CLIENT_ID)) is set, else the
        system-assigned one; it asks the endpoint the environment names, or the instance metadata service of an
        Azure VM.
      - V(workload_identity) exchanges a federated token for the app O(client_id) (or E(AZURE_CLIENT_ID)) in
        O(tenant) (or E(AZURE_TENANT_ID)), either the token itself in E(AZURE_FEDERATED_TOKEN) (as
        azure.azcollection takes it, for example a CI system's OIDC token), or a file holding it in
        E(AZURE_FEDERATED_TOKEN_FILE) (as a Kubernetes pod with Azure workload identity gets it; read at each token
        request, so a rotated token is used). When both are set, E(AZURE_FEDERATED_TOKEN) wins.
      - These sources need no secret in the play; the identity header and the federated token never appear in
        output. Refusals (a wrong identity header, an assertion without a matching federated credential, a CLI that
        is not signed in) fail at once and are not retryable.
      - When not set, E(ANSIBLE_AZURE_AUTH_SOURCE) or V(auto).
    type: str
    choices: [auto, env, credential_file, cli, msi, workload_identity]
  subscription_id:
    description:
      - The Azure subscription id. Also E(AZURE_SUBSCRIPTION_ID).
      - Informational for these modules, whose resource ids carry the subscription.
    type: str
  client_id:
    description:
      - The service principal's application (client) id, or the client id of a user-assigned managed identity.
      - Also E(AZURE_CLIENT_ID).
    type: str
  secret:
    description:
      - The service principal's client secret. Also E(AZURE_SECRET) (as AWX sets it) or E(AZURE_CLIENT_SECRET).
    type: str
  tenant:
    description:
      - The Microsoft Entra tenant id. Also E(AZURE_TENANT) (as AWX sets it) or E(AZURE_TENANT_ID).
    type: str
  x509_certificate_path:
    description:
      - Path to a PEM file with the service principal's certificate and private key, used instead of O(secret).
      - Also E(AZURE_X509_CERTIFICATE_PATH) or E(AZURE_CLIENT_CERTIFICATE_PATH).
    type: path
  profile:
    description:
      - A profile (INI section) of C(~/.azure/credentials) with the keys C(subscription_id), C(client_id), C(secret),
        C(tenant), C(x509_certificate_path), C(cloud_environment) and C(cert_validation_mode).
      - Also E(AZURE_PROFILE).
    type: str
  cloud_environment:
    description:
      - V(AzureCloud), V(AzureUSGovernment), V(AzureChinaCloud), or the https URL of a Resource Manager endpoint
        (Azure Stack style). For a URL the module reads C({url}/metadata/endpoints?api-version=1.0) and takes the
        authority from C(authentication.loginEndpoint) and the token audience from C(authentication.audiences[0]).
      - When not set, E(AZURE_CLOUD_ENVIRONMENT), the profile's C(cloud_environment), or V(AzureCloud).
    type: str
  cert_validation_mode:
    description:
      - V(validate) checks TLS certificates against the usual CA bundle (E(REQUESTS_CA_BUNDLE) is honoured);
        V(ignore) turns the check off, which you should only do for a lab endpoint.
      - When not set, E(AZURE_CERT_VALIDATION_MODE), the profile's C(cert_validation_mode), or V(validate).
    type: str
    choices: [validate, ignore]
requirements:
  - python >= 3.8
  - azure-identity
  - requests
notes:
  - Sign-in with a user name and password (E(AZURE_AD_USER)/E(AZURE_PASSWORD), or C(ad_user)/C(password) in a
    profile) is refused with an explanation, because Microsoft Entra ID requires multifactor authentication for it, which
    a module cannot complete. Use a service principal, a managed identity or workload identity.
  - The bearer token is sent to the Resource Manager endpoint only; a C(nextLink) that points to any other scheme,
    host or port is refused, never followed.
  - Requests that Resource Manager throttles (HTTP 429) or fails with HTTP 5xx, and connection errors, are retried
    a few times, honouring C(Retry-After) (at most 60 seconds a pause); with O(wait=true) a read is retried until
    O(wait_timeout).
"""
