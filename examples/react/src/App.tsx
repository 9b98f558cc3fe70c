import { useState } from 'react';
import 'oss-upload/react-jsx';

export function App() {
  const [key, setKey] = useState('');
  return (
    <form method="post" action="/api/posts">
      <label>Title <input name="title" defaultValue="Holiday" /></label>
      <oss-upload name="attachments" endpoint="/api/sign" required onoss-upload-success={(e) => setKey(e.detail.key)} />
      <p>Uploaded: <output>{key}</output></p>
      <button>Publish</button>
    </form>
  );
}
