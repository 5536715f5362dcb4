import { ArgumentMetadata, BadRequestException } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsEmail, IsIn, IsInt, IsString, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { createValidationPipe } from './validation.pipe';

class FieldDto {
  @IsString()
  @MaxLength(20)
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

class QueryDto {
  @IsInt()
  @Min(1)
  @Max(200)
  limit: number;
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

  it('says a missing field is required instead of listing every rule it breaks', async () => {
    const error = await rejection({ fields: [{ type: 'number' }] });
    expect(error.getResponse()).toMatchObject({
      details: [
        { field: 'email', messages: ['email is required'] },
        { field: 'fields.0.name', messages: ['fields.0.name is required'] },
      ],
    });
  });

  it('names a null value as such', async () => {
    const error = await rejection({ email: null, fields: [] });
    expect(error.getResponse()).toMatchObject({ details: [{ field: 'email', messages: ['email must not be null'] }] });
  });

  it('reports only the type when a value has the wrong type, and every rule otherwise', async () => {
    const pipe = createValidationPipe();
    const query: ArgumentMetadata = { type: 'query', metatype: QueryDto };
    const failure = async (value: unknown): Promise<unknown> =>
      pipe.transform(value, query).then(
        () => undefined,
        (error: BadRequestException) => error.getResponse(),
      );
    expect(await failure({ limit: 'abc' })).toMatchObject({ details: [{ field: 'limit', messages: ['limit must be an integer number'] }] });
    expect(await failure({ limit: 500 })).toMatchObject({
      details: [{ field: 'limit', messages: ['limit must not be greater than 200'] }],
    });
  });

  it('keeps "should not exist" for an unknown field even when it is null', async () => {
    const error = await rejection({ email: 'a@b.io', fields: [], extra: null });
    expect(error.getResponse()).toMatchObject({ details: [{ field: 'extra', messages: ['property extra should not exist'] }] });
  });

  it('says an array is not the object the route takes', async () => {
    const error = await rejection([{ email: 'a@b.io', fields: [] }]);
    expect(error.getResponse()).toMatchObject({ message: 'the JSON body must be an object, not an array' });
  });
});
