import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { OidcConfig } from '../../config/app-config';

/** What the viewer needs for the Authorization Code flow with PKCE: a public client, so nothing secret. */
export class ViewerOidcLoginDto {
  @ApiProperty({ description: 'The public client registered at the identity provider for the viewer', example: 'registry-viewer' })
  clientId: string;

  @ApiProperty({ example: 'https://idp.example.com/authorize' })
  authorizationUrl: string;

  @ApiProperty({ description: 'Where the viewer exchanges the code (with its PKCE verifier)', example: 'https://idp.example.com/token' })
  tokenUrl: string;

  @ApiProperty({ description: 'Space-separated scopes asked for', example: 'openid' })
  scope: string;
}

export class ViewerConfigDto {
  @ApiPropertyOptional({
    type: ViewerOidcLoginDto,
    description: 'The OIDC login, where configured; absent: sign in with a pasted token only',
  })
  oidc?: ViewerOidcLoginDto;
}

export function mapViewerConfig(oidc: OidcConfig | undefined): ViewerConfigDto {
  const login = oidc?.viewerLogin;
  if (!login) return {};
  return { oidc: { clientId: login.clientId, authorizationUrl: login.authorizationUrl, tokenUrl: login.tokenUrl, scope: login.scope } };
}
