import { ArgumentMetadata, BadRequestException } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsEmail, IsIn, IsString, ValidateNested } from 'class-validator';
import { createValidationPipe } from './validation.pipe';

class FieldDto {
  @IsString()
  name: string;

  @IsIn(['number', 'string'])
  type: string;
}

class BodyDto {
  @IsEmail()
  email: string;

  @ValidateNested({ each: true })
  @Type(() => FieldDto)
  fields: FieldDto[];
}

const metadata: ArgumentMetadata = { type: 'body', metatype: BodyDto };

async function rejection(value: unknown): Promise<BadRequestException> {
  try {
    await createValidationPipe().transform(value, metadata);
  } catch (error) {
    return error as BadRequestException;
  }
  throw new Error('expected a validation error');
}

describe(createValidationPipe.name, () => {
  it('transforms a valid body into the DTO', async () => {
    const body = await createValidationPipe().transform({ email: 'a@b.io', fields: [{ name: 'x', type: 'number' }] }, metadata);
    expect(body).toBeInstanceOf(BodyDto);
    expect(body.fields[0]).toBeInstanceOf(FieldDto);
  });

  it('names every offending field, nested ones by their path', async () => {
    const error = await rejection({ email: 'nope', fields: [{ name: 'x', type: 'date' }] });
    expect(error.getResponse()).toEqual({
      message: 'Validation failed: email must be an email; fields.0.type must be one of the following values: number, string',
      details: [
        { field: 'email', messages: ['email must be an email'] },
        { field: 'fields.0.type', messages: ['fields.0.type must be one of the following values: number, string'] },
      ],
    });
  });

  it('rejects unknown fields instead of dropping them silently', async () => {
    const error = await rejection({ email: 'a@b.io', fields: [], $where: '1' });
    expect(error.getResponse()).toMatchObject({ details: [{ field: '$where', messages: ['property $where should not exist'] }] });
  });
});
