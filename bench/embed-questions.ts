/**
 * Questions about Django (the `django` corpus), each with the file that answers it, written
 * without looking at any model's rankings and never tuned against: a held-out set for semantic
 * MRR by file.
 */
export const DJANGO_QUESTIONS: [question: string, file: string][] = [
  ['make a URL-friendly slug from a string', 'utils/text.py'],
  ['split a list of objects into pages', 'core/paginator.py'],
  ['send an email to the site admins', 'core/mail/__init__.py'],
  ['check a password against its stored hash', 'contrib/auth/hashers.py'],
  ['get an object or raise a 404 error if it does not exist', 'shortcuts.py'],
  ['escape HTML special characters', 'utils/html.py'],
  ['sign a value with the secret key and verify it later', 'core/signing.py'],
  ['parse a date string into a date object', 'utils/dateparse.py'],
  ['protect views against cross site request forgery', 'middleware/csrf.py'],
  ["cache a view's response for some seconds", 'views/decorators/cache.py'],
  ['validate that an email address is well formed', 'core/validators.py'],
  ['load a template by its name', 'template/loader.py'],
  ['turn a URL pattern name back into a path', 'urls/base.py'],
  [
    'collect static files into a single directory',
    'contrib/staticfiles/management/commands/collectstatic.py',
  ],
  ['generate a random string for secrets', 'utils/crypto.py'],
  ['how long ago a date was, in words', 'utils/timesince.py'],
  ['store the session in a signed cookie', 'contrib/sessions/backends/signed_cookies.py'],
  ['redirect anonymous users to the login page', 'contrib/auth/decorators.py'],
  ['compress responses with gzip', 'middleware/gzip.py'],
  ['serialize model instances to JSON', 'core/serializers/json.py'],
  ['apply database migrations from the command line', 'core/management/commands/migrate.py'],
  ['compare two strings in constant time', 'utils/crypto.py'],
];
