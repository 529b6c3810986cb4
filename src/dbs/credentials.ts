/**
 * Credentials through @alicloud/credentials, so every way Alibaba Cloud users authenticate
 * works: static AccessKey, STS token, RAM role ARN (AssumeRole), ECS RAM role, OIDC role
 * (ACK RRSA), a credentials URI, and the SDK's default chain (environment, OIDC, profile,
 * ECS metadata). The library caches and refreshes temporary credentials itself.
 */
import CredentialModule, * as $Credential from '@alicloud/credentials';

export type CredentialSpec =
  | { type: 'default' }
  | { type: 'access_key'; accessKeyId: string; accessKeySecret: string }
  | { type: 'sts'; accessKeyId: string; accessKeySecret: string; securityToken: string }
  | {
      type: 'ram_role_arn';
      accessKeyId: string;
      accessKeySecret: string;
      securityToken?: string;
      roleArn: string;
      roleSessionName?: string;
      durationSeconds?: number;
      policy?: string;
      externalId?: string;
      stsEndpoint?: string;
    }
  | { type: 'ecs_ram_role'; roleName?: string; disableIMDSv1?: boolean }
  | {
      type: 'oidc_role_arn';
      roleArn: string;
      oidcProviderArn: string;
      oidcTokenFilePath: string;
      roleSessionName?: string;
      durationSeconds?: number;
      policy?: string;
      stsEndpoint?: string;
    }
  | { type: 'credentials_uri'; credentialsUri: string };

/** What the transport needs from a credential: the SDK's own interface, narrowed. */
export interface CredentialProvider {
  getCredential(): Promise<{ accessKeyId?: string; accessKeySecret?: string; securityToken?: string; type?: string }>;
}

// Under ESM the CommonJS module's class sits on `.default`.
type CredentialCtor = new (config?: $Credential.Config | null) => CredentialProvider;
const Credential: CredentialCtor =
  ((CredentialModule as unknown as { default?: CredentialCtor }).default ?? (CredentialModule as unknown as CredentialCtor));

export function createCredential(spec: CredentialSpec): CredentialProvider {
  switch (spec.type) {
    case 'default':
      return new Credential();
    case 'access_key':
      return new Credential(new $Credential.Config({ type: 'access_key', accessKeyId: spec.accessKeyId, accessKeySecret: spec.accessKeySecret }));
    case 'sts':
      return new Credential(
        new $Credential.Config({
          type: 'sts',
          accessKeyId: spec.accessKeyId,
          accessKeySecret: spec.accessKeySecret,
          securityToken: spec.securityToken,
        }),
      );
    case 'ram_role_arn':
      return new Credential(
        new $Credential.Config({
          type: 'ram_role_arn',
          accessKeyId: spec.accessKeyId,
          accessKeySecret: spec.accessKeySecret,
          securityToken: spec.securityToken,
          roleArn: spec.roleArn,
          roleSessionName: spec.roleSessionName ?? 'dbs-exporter',
          durationSeconds: spec.durationSeconds,
          policy: spec.policy,
          externalId: spec.externalId,
          stsEndpoint: spec.stsEndpoint,
        } as ConstructorParameters<typeof $Credential.Config>[0]),
      );
    case 'ecs_ram_role':
      return new Credential(
        new $Credential.Config({ type: 'ecs_ram_role', roleName: spec.roleName, disableIMDSv1: spec.disableIMDSv1 ?? false } as ConstructorParameters<
          typeof $Credential.Config
        >[0]),
      );
    case 'oidc_role_arn':
      return new Credential(
        new $Credential.Config({
          type: 'oidc_role_arn',
          roleArn: spec.roleArn,
          oidcProviderArn: spec.oidcProviderArn,
          oidcTokenFilePath: spec.oidcTokenFilePath,
          roleSessionName: spec.roleSessionName ?? 'dbs-exporter',
          durationSeconds: spec.durationSeconds,
          policy: spec.policy,
          stsEndpoint: spec.stsEndpoint,
        } as ConstructorParameters<typeof $Credential.Config>[0]),
      );
    case 'credentials_uri':
      return new Credential(new $Credential.Config({ type: 'credentials_uri', credentialsURI: spec.credentialsUri } as ConstructorParameters<typeof $Credential.Config>[0]));
  }
}
